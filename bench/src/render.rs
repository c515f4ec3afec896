//! The builders' own cost, without a database: rendering a statement's SQL and parameters.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use example_app::schema::*;
use schema_core::prelude::*;

/// Nanoseconds a call, the median of 9 runs of `calls` calls.
fn per_call(calls: u32, mut f: impl FnMut(u32)) -> Duration {
    let mut runs: Vec<Duration> = (0..9)
        .map(|_| {
            let t = Instant::now();
            for i in 0..calls {
                f(i);
            }
            t.elapsed() / calls
        })
        .collect();
    runs.sort();
    runs[runs.len() / 2]
}

/// A markdown table of render costs.
pub fn run() -> String {
    let id = Uuid::from_u128(5);
    let cases: [(&str, Duration); 4] = [
        (
            "`User::find(id)` (8 columns)",
            per_call(100_000, |_| {
                std::hint::black_box(User::find(id).sql());
            }),
        ),
        (
            "`Project::update().set(name).filter(id)` with the `updated_at` hook",
            per_call(100_000, |i| {
                let update = Project::update()
                    .set(projects::name, format!("o{i}"))
                    .filter(projects::id.eq(id));
                std::hint::black_box(update.sql());
            }),
        ),
        (
            "the same update as it is sent: `.returning()` (its text rendered once per shape, the values bound)",
            per_call(100_000, |i| {
                let update = Project::update()
                    .set(projects::name, format!("o{i}"))
                    .filter(projects::id.eq(id))
                    .returning();
                std::hint::black_box(update);
            }),
        ),
        (
            "`User::select().with(users::projects)` (one relation)",
            per_call(100_000, |_| {
                let select = User::select()
                    .filter(users::email.like("nest%"))
                    .with(users::projects.order_by(projects::id));
                std::hint::black_box(select.sql());
            }),
        ),
    ];
    let mut md = String::from("| statement | render (SQL text and parameters) |\n| --- | --- |\n");
    for (name, cost) in cases {
        writeln!(md, "| {name} | {} ns |", cost.as_nanos()).ok();
    }
    md
}
