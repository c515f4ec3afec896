//! `cargo run --release -p schema-bench [-- --write]`: schema-core's builders against raw
//! tokio-postgres (statements prepared once, a connection each, the same runtime), medians and
//! the ratio ours / raw, on a PostgreSQL the harness starts itself. `--write` also writes
//! `BENCHMARKS.md`. Nothing here is a test: no assertion on time.

mod instructions;
mod migrations;
#[cfg(feature = "peers")]
mod peers;
mod queries;
mod render;
mod replicas;

use std::fmt::Write as _;
use std::time::Duration;

/// One result row.
#[derive(Debug)]
pub struct Row {
    pub scenario: String,
    pub raw: Duration,
    pub ours: Duration,
    pub target: String,
    pub met: bool,
    pub note: String,
    /// sqlx / raw, measured interleaved with raw in rounds of its own (feature `peers`).
    pub sqlx: Option<f64>,
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::fs::read_to_string("/proc/cpuinfo")
        .map(|text| text.lines().filter(|l| l.starts_with("processor")).count())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {memory} RAM")
}

const USAGE: &str =
    "usage: schema-bench [--write] [--only SCENARIO[,SCENARIO…]] | --instructions SCENARIO SIDE";

/// Pins process `pid` (all its threads, and the processes it starts from now on) to CPU 0, as
/// `taskset` does: the client's own cost then shows, instead of hiding on the second core while
/// the server works. `false` when `taskset` is missing or refuses.
pub fn pin_to_one_cpu(pid: u32) -> bool {
    set_cpus(pid, "0")
}

/// Sets the CPUs process `pid` (all its threads) may run on, as `taskset -a -c -p` does.
fn set_cpus(pid: u32, cpus: &str) -> bool {
    std::process::Command::new("taskset")
        .args(["-a", "-c", "-p", cpus, &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Pins every running `postgres` process (the server the bench started, its backends) to CPU 0.
pub fn pin_servers() -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    let mut pinned = false;
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim() == "postgres" {
            pinned |= pin_to_one_cpu(pid);
        }
    }
    pinned
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--instructions") {
        match (args.get(1), args.get(2)) {
            (Some(scenario), Some(side))
                if instructions::SCENARIOS.contains(&scenario.as_str())
                    && instructions::SIDES.contains(&side.as_str()) =>
            {
                instructions::run(scenario, side);
                return;
            }
            _ => fail(&format!(
                "--instructions takes a scenario ({}) and a side ({})",
                instructions::SCENARIOS.join(", "),
                instructions::SIDES.join(", ")
            )),
        }
    }
    let pinned = pin_to_one_cpu(std::process::id());
    // The CPUs this machine has, for the header and to unpin after the query scenarios.
    let cpus = std::fs::read_to_string("/proc/cpuinfo")
        .map(|text| text.lines().filter(|l| l.starts_with("processor")).count())
        .unwrap_or(1)
        .max(1);
    let write = args.iter().any(|a| a == "--write");
    let only: Option<Vec<String>> =
        args.iter()
            .position(|a| a == "--only")
            .map(|at| match args.get(at + 1) {
                Some(list) => list.split(',').map(str::to_string).collect(),
                None => fail("--only takes a list of scenarios"),
            });
    if let Some(unknown) = args
        .iter()
        .enumerate()
        .find(|(i, a)| *a != "--write" && *a != "--only" && !(*i > 0 && args[*i - 1] == "--only"))
        .map(|(_, a)| a)
    {
        fail(&format!("unexpected argument `{unknown}`"));
    }
    if let Some(only) = &only {
        if write {
            fail("--write records a whole run; leave out --only");
        }
        if let Some(unknown) = only.iter().find(|n| {
            !queries::SCENARIOS.contains(&n.as_str())
                && !["render", "migrations", "build", "replicas"].contains(&n.as_str())
        }) {
            fail(&format!(
                "unknown scenario `{unknown}`; the scenarios are {}, render, migrations, build, replicas",
                queries::SCENARIOS.join(", ")
            ));
        }
    }
    let wants = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (server, mut rows, memory) = if queries::SCENARIOS.iter().any(|s| wants(s)) {
        runtime
            .block_on(queries::run(only.as_deref()))
            .unwrap_or_else(|e| panic!("the query benchmarks failed: {e}"))
    } else {
        ("(no database)".to_string(), Vec::new(), None)
    };
    // The rest (replicas with 16 clients, builds of generated crates) measure the machine as a
    // whole: every CPU again.
    set_cpus(std::process::id(), &format!("0-{}", cpus - 1));
    if wants("replicas") {
        rows.push(replicas::run().unwrap_or_else(|e| panic!("the replica benchmark failed: {e}")));
    }
    let migration_report = if wants("migrations") {
        migrations::run()
    } else {
        "(not run)\n".into()
    };
    let render_report = if wants("render") {
        render::run()
    } else {
        "(not run)\n".into()
    };
    let build_report = if wants("build") {
        migrations::build_times()
    } else {
        "(not run)\n".into()
    };

    let mut md = String::new();
    writeln!(md, "# Benchmarks\n").ok();
    writeln!(
        md,
        "Reproduce with `cargo run --release -p schema-bench --features peers -- --write` (it starts its own \
         PostgreSQL; `PG_BIN` chooses the build) and `bench/instructions.sh`. Ratios are ours / raw tokio-postgres \
         in the same run: statements prepared once, the same current-thread runtime, the two interleaved in rounds, \
         each on a connection to the same server (raw's spawned as tokio-postgres documents it, ours a `Db` that \
         drives its connection itself, as `Db::connect` gives); sqlx / raw likewise, in rounds of its own beside raw. Medians.\n"
    )
    .ok();
    writeln!(
        md,
        "Machine: {}; {server} on loopback; release build; {}.\n",
        machine(),
        if pinned {
            "the query scenarios' server and client pinned to CPU 0 (`taskset`), so that the client's own work is not hidden on the other core"
        } else {
            "not pinned (`taskset` missing)"
        }
    )
    .ok();
    writeln!(md, "## Queries\n").ok();
    writeln!(
        md,
        "| scenario | raw | ours | ratio | sqlx / raw | target | met | notes |"
    )
    .ok();
    writeln!(md, "| --- | --- | --- | --- | --- | --- | --- | --- |").ok();
    for row in &rows {
        let ratio = row.ours.as_secs_f64() / row.raw.as_secs_f64();
        writeln!(
            md,
            "| {} | {} | {} | {ratio:.3} | {} | {} | {} | {} |",
            row.scenario,
            ms(row.raw),
            ms(row.ours),
            row.sqlx.map_or("—".to_string(), |r| format!("{r:.3}")),
            row.target,
            if row.met { "yes" } else { "**no**" },
            row.note
        )
        .ok();
    }
    if let Some(memory) = memory {
        writeln!(md, "\n{memory}\n").ok();
    }
    writeln!(
        md,
        "## The builders' own cost (no database; median of 9 runs of 100,000 calls)\n"
    )
    .ok();
    md.push_str(&render_report);
    writeln!(
        md,
        "\n## gen-migrations on generated schemas (20 columns a table)\n"
    )
    .ok();
    md.push_str(&migration_report);
    writeln!(md, "\n## Build of a generated schema crate\n").ok();
    md.push_str(&build_report);
    print!("{md}");
    if write {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../BENCHMARKS.md");
        let existing = std::fs::read_to_string(path).unwrap_or_default();
        // Keep the hand-written analysis below the marker.
        let analysis = existing
            .split_once("<!-- analysis -->")
            .map(|(_, a)| a.to_string())
            .unwrap_or_default();
        std::fs::write(path, format!("{md}\n<!-- analysis -->{analysis}"))
            .expect("write BENCHMARKS.md");
    }
}

fn fail(message: &str) -> ! {
    eprintln!("schema-bench: {message}\n{USAGE}");
    std::process::exit(2);
}
