//! The query scenarios: each runs raw and ours interleaved, in rounds, each on its connection.

use std::collections::HashMap;
use std::pin::pin;
use std::time::{Duration, Instant};

use example_app::schema::*;
use schema_core::exec::copy_in;
use schema_core::prelude::*;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Row as PgRow;

use crate::{median, Row};

type BoxError = Box<dyn std::error::Error>;

pub(crate) fn user_raw(row: &PgRow) -> User {
    User {
        id: row.get(0),
        email: row.get(1),
        name: row.get(2),
        password_hash: row.get(3),
        role: row.get(4),
        email_verified: row.get(5),
        created_at: row.get(6),
        updated_at: row.get(7),
    }
}

fn project_raw(row: &PgRow, at: usize) -> Project {
    Project {
        id: row.get(at),
        owner_id: row.get(at + 1),
        name: row.get(at + 2),
        description: row.get(at + 3),
        status: row.get(at + 4),
        created_at: row.get(at + 5),
        updated_at: row.get(at + 6),
    }
}

pub(crate) const USER_COLUMNS: &str = r#""id", "email", "name", "password_hash", "role", "email_verified", "created_at", "updated_at""#;
pub(crate) const PROJECT_COLUMNS: &str =
    r#""id", "owner_id", "name", "description", "status", "created_at", "updated_at""#;

/// Runs `raw` and `ours` alternately, `rounds` times `per_round` operations each; the medians.
async fn compare<R, O>(
    rounds: usize,
    per_round: usize,
    mut raw: R,
    mut ours: O,
) -> Result<(Duration, Duration), BoxError>
where
    R: AsyncFnMut(usize) -> Result<(), BoxError>,
    O: AsyncFnMut(usize) -> Result<(), BoxError>,
{
    let mut raw_samples = Vec::new();
    let mut our_samples = Vec::new();
    let mut n = 0;
    // Warm-up: both statement caches filled, both code paths hot.
    for _ in 0..per_round.min(20) {
        raw(n).await?;
        ours(n + 1).await?;
        n += 2;
    }
    for round in 0..rounds {
        for i in 0..per_round {
            // Alternate which goes first, so neither always follows the other.
            if (round + i) % 2 == 0 {
                let t = Instant::now();
                raw(n).await?;
                raw_samples.push(t.elapsed());
                let t = Instant::now();
                ours(n + 1).await?;
                our_samples.push(t.elapsed());
            } else {
                let t = Instant::now();
                ours(n + 1).await?;
                our_samples.push(t.elapsed());
                let t = Instant::now();
                raw(n).await?;
                raw_samples.push(t.elapsed());
            }
            n += 2;
        }
    }
    Ok((median(raw_samples), median(our_samples)))
}

/// Of two raw forms, each measured interleaved with ours, the faster and ours as measured beside
/// it: both from the same rounds, so that neither side's numbers come from another context.
fn against_faster(a: (Duration, Duration), b: (Duration, Duration)) -> (Duration, Duration) {
    if a.0 <= b.0 {
        a
    } else {
        b
    }
}

fn row(scenario: &str, (raw, ours): (Duration, Duration), limit: f64, note: &str) -> Row {
    let ratio = ours.as_secs_f64() / raw.as_secs_f64();
    Row {
        scenario: scenario.into(),
        raw,
        ours,
        target: format!("≤ {limit:.2}×"),
        met: ratio <= limit,
        note: note.into(),
        sqlx: None,
    }
}

/// Peak resident memory of this process, in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0)
}

/// The issue's best raw form of a nested load, prepared: users by a list of keys, and their
/// projects by the same list.
pub(crate) async fn prepare_by_keys(
    client: &tokio_postgres::Client,
) -> Result<(tokio_postgres::Statement, tokio_postgres::Statement), BoxError> {
    let users = client
        .prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = ANY($1) ORDER BY id"
        ))
        .await?;
    let projects = client
        .prepare(&format!(
            "SELECT {PROJECT_COLUMNS} FROM projects WHERE owner_id = ANY($1) ORDER BY owner_id, id"
        ))
        .await?;
    Ok((users, projects))
}

/// Ours on the same keys: the users, ordered, to load their projects under.
pub(crate) fn users_by_keys(ids: &[Uuid]) -> schema_core::query::Select<User, User> {
    User::select()
        .filter(users::id.in_list(ids.iter().copied()))
        .order_by(users::id)
}

/// The parents' keys known: the two `= ANY($1)` statements pipelined in one round trip, the
/// projects grouped under their users in Rust.
pub(crate) async fn raw_by_keys(
    client: &tokio_postgres::Client,
    users_by_id: &tokio_postgres::Statement,
    projects_by_owner: &tokio_postgres::Statement,
    ids: &Vec<Uuid>,
) -> Result<Vec<(User, Vec<Project>)>, BoxError> {
    let keys: [&(dyn ToSql + Sync); 1] = [ids];
    let (users, projects) = tokio::try_join!(
        client.query(users_by_id, &keys),
        client.query(projects_by_owner, &keys)
    )?;
    let mut out: Vec<(User, Vec<Project>)> =
        users.iter().map(|r| (user_raw(r), Vec::new())).collect();
    let index: HashMap<Uuid, usize> = out
        .iter()
        .enumerate()
        .map(|(i, (u, _))| (u.id, i))
        .collect();
    for r in &projects {
        let owner: Uuid = r.get(1);
        if let Some(&at) = index.get(&owner) {
            out[at].1.push(project_raw(r, 0));
        }
    }
    Ok(out)
}

/// 100 users, each with 10 projects, loaded into nested values in one round trip. Raw is the
/// better of two hand-written forms: one LEFT JOIN grouped in Rust, and one `json_agg` per user
/// decoded by hand.
async fn nested(db: &Db, client: &tokio_postgres::Client, suffix: &str) -> Result<Row, BoxError> {
    let prefixed = |columns: &str, alias: &str| {
        columns
            .split(", ")
            .map(|c| format!("{alias}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let join = client
        .prepare(&format!(
            "SELECT {}, {} FROM users u LEFT JOIN projects p ON p.owner_id = u.id \
             WHERE u.email LIKE 'nest%' ORDER BY u.id, p.id",
            prefixed(USER_COLUMNS, "u"),
            prefixed(PROJECT_COLUMNS, "p"),
        ))
        .await?;
    let json = client
        .prepare(&format!(
            "SELECT {}, COALESCE((SELECT json_agg(json_build_array({}) ORDER BY p.id) \
             FROM projects p WHERE p.owner_id = u.id), '[]') \
             FROM users u WHERE u.email LIKE 'nest%' ORDER BY u.id",
            prefixed(USER_COLUMNS, "u"),
            prefixed(PROJECT_COLUMNS, "p"),
        ))
        .await?;
    let ours = async |_| {
        let loaded = User::select()
            .filter(users::email.like("nest%"))
            .order_by(users::id)
            .with(users::projects.order_by(projects::id))
            .all(db)
            .await?;
        assert_eq!(loaded.len(), 100);
        std::hint::black_box(loaded);
        Ok(())
    };
    let (raw_join, ours_a) = compare(
        10,
        20,
        async |_| {
            let mut out: Vec<(User, Vec<Project>)> = Vec::with_capacity(100);
            let mut index: HashMap<Uuid, usize> = HashMap::with_capacity(100);
            for r in client.query(&join, &[]).await? {
                let id: Uuid = r.get(0);
                let at = *index.entry(id).or_insert_with(|| {
                    out.push((user_raw(&r), Vec::new()));
                    out.len() - 1
                });
                if r.get::<_, Option<Uuid>>(8).is_some() {
                    out[at].1.push(project_raw(&r, 8));
                }
            }
            assert_eq!(out.len(), 100);
            std::hint::black_box(out);
            Ok(())
        },
        ours,
    )
    .await?;
    let (raw_json, ours_b) = compare(
        10,
        20,
        async |_| {
            let mut out: Vec<(User, Vec<Project>)> = Vec::with_capacity(100);
            for r in client.query(&json, &[]).await? {
                let projects: serde_json::Value = r.get(8);
                let projects = projects
                    .as_array()
                    .ok_or("json_agg gave no array")?
                    .iter()
                    .map(project_from_json)
                    .collect::<Result<Vec<_>, BoxError>>()?;
                out.push((user_raw(&r), projects));
            }
            assert_eq!(out.len(), 100);
            std::hint::black_box(out);
            Ok(())
        },
        ours,
    )
    .await?;
    // The issue's best raw form: the parents' keys known, two `= ANY($1)` statements pipelined
    // in one round trip, grouped in Rust; ours with the same keys, both ways of loading.
    let ids: Vec<Uuid> = client
        .query("SELECT id FROM users WHERE email LIKE 'nest%'", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (users_by_id, projects_by_owner) = prepare_by_keys(client).await?;
    let raw_pipelined = async |_| {
        let out = raw_by_keys(client, &users_by_id, &projects_by_owner, &ids).await?;
        assert_eq!(out.len(), 100);
        std::hint::black_box(out);
        Ok(())
    };
    let (raw_any, ours_with) = compare(10, 20, raw_pipelined, async |_| {
        let loaded = users_by_keys(&ids)
            .with(users::projects.order_by(projects::id))
            .all(db)
            .await?;
        assert_eq!(loaded.len(), 100);
        std::hint::black_box(loaded);
        Ok(())
    })
    .await?;
    let (raw_any_b, ours_batched) = compare(10, 20, raw_pipelined, async |_| {
        let loaded = users_by_keys(&ids)
            .with_batched(users::projects.order_by(projects::id))
            .all(db)
            .await?;
        assert_eq!(loaded.len(), 100);
        std::hint::black_box(loaded);
        Ok(())
    })
    .await?;
    // The row: ours against the issue's best raw form (the two pipelined statements), ours
    // being `with_batched` (also one round trip); the other forms in the note.
    Ok(row(
        &format!("100 users × 10 projects, nested, one round trip{suffix}"),
        (raw_any_b, ours_batched),
        1.00,
        &format!(
            "raw: two pipelined `= ANY($1)` statements, the users' keys known, grouped in Rust; ours: \
             `with_batched(users::projects)` on the users by the same keys. Ours `with` (one statement) {} \
             ({:.3}× beside raw {}). Against the raw LEFT JOIN grouped in Rust {} and raw json_agg decoded \
             by hand {}: ours `with` {:.3}× the faster",
            crate::ms(ours_with),
            ours_with.as_secs_f64() / raw_any.as_secs_f64(),
            crate::ms(raw_any),
            crate::ms(raw_join),
            crate::ms(raw_json),
            if raw_join <= raw_json {
                ours_a.as_secs_f64() / raw_join.as_secs_f64()
            } else {
                ours_b.as_secs_f64() / raw_json.as_secs_f64()
            },
        ),
    ))
}

/// One user with 100,000 projects, loaded nested: the shape where one relation is large.
async fn nested_wide(db: &Db, client: &tokio_postgres::Client) -> Result<Vec<Row>, BoxError> {
    client
        .batch_execute(
            "INSERT INTO users (email, name) VALUES ('wide@x.io', 'Wide');
             INSERT INTO projects (owner_id, name)
               SELECT (SELECT id FROM users WHERE email = 'wide@x.io'), 'w' || g FROM generate_series(1, 100000) g;
             ANALYZE projects;",
        )
        .await?;
    let join = client
        .prepare(&format!(
            "SELECT {}, {} FROM users u LEFT JOIN projects p ON p.owner_id = u.id \
             WHERE u.email = 'wide@x.io' ORDER BY p.id",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            PROJECT_COLUMNS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
        ))
        .await?;
    let raw = async |_| {
        let rows = client.query(&join, &[]).await?;
        let user = user_raw(rows.first().ok_or("no wide user")?);
        let projects: Vec<Project> = rows.iter().map(|r| project_raw(r, 8)).collect();
        assert_eq!(projects.len(), 100_000);
        std::hint::black_box((user, projects));
        Ok(())
    };
    let eager = compare(3, 3, raw, async |_| {
        let loaded = User::select()
            .filter(users::email.eq("wide@x.io"))
            .with(users::projects.order_by(projects::id))
            .one(db)
            .await?;
        assert_eq!(loaded.1.len(), 100_000);
        std::hint::black_box(loaded);
        Ok(())
    })
    .await?;
    let batched = compare(3, 3, raw, async |_| {
        let loaded = User::select()
            .filter(users::email.eq("wide@x.io"))
            .with_batched(users::projects.order_by(projects::id))
            .all(db)
            .await?;
        assert_eq!(loaded[0].1.len(), 100_000);
        std::hint::black_box(loaded);
        Ok(())
    })
    .await?;
    Ok(vec![
        row(
            "1 user × 100,000 projects, nested, one round trip",
            eager,
            1.05,
            "raw: one LEFT JOIN; ours: `with(users::projects)`, one array of 100,000 records",
        ),
        row(
            "1 user × 100,000 projects, nested, batched",
            batched,
            1.05,
            "raw: one LEFT JOIN; ours: `with_batched(users::projects)`, two statements pipelined",
        ),
    ])
}

/// A project from `json_build_array(id, owner_id, name, description, status, created_at, updated_at)`.
fn project_from_json(value: &serde_json::Value) -> Result<Project, BoxError> {
    let field = |i: usize| value.get(i).ok_or("short project array");
    let text = |i: usize| -> Result<Option<String>, BoxError> {
        Ok(field(i)?.as_str().map(str::to_string))
    };
    let required = |i: usize| -> Result<String, BoxError> {
        text(i)?.ok_or_else(|| format!("project field {i} is null").into())
    };
    let time = |i: usize| -> Result<chrono::NaiveDateTime, BoxError> {
        Ok(chrono::NaiveDateTime::parse_from_str(
            &required(i)?,
            "%Y-%m-%dT%H:%M:%S%.f",
        )?)
    };
    Ok(Project {
        id: required(0)?.parse()?,
        owner_id: required(1)?.parse()?,
        name: required(2)?,
        description: text(3)?,
        status: text(4)?,
        created_at: time(5)?,
        updated_at: time(6)?,
    })
}

/// The scenarios, in the order they run: reads first, on the seeded data, then the writes that grow
/// `projects` (the 1,000-row inserts and the COPY loads add over a million rows).
pub const SCENARIOS: [&str; 9] = [
    "pk",
    "select",
    "nested",
    "update",
    "insert",
    "insert-many",
    "copy",
    "nested-grown",
    "nested-wide",
];

/// Runs the scenarios `only` names (all when `None`): the server version, the rows, and the COPY
/// memory report when `copy` ran.
pub async fn run(only: Option<&[String]>) -> Result<(String, Vec<Row>, Option<String>), BoxError> {
    let wants = |name: &str| only.is_none_or(|o| o.iter().any(|n| n == name));
    let (test_db, db) = schema_tests::support::app_db(false).await;
    // The server started above: its processes, and the backends it forks from now on, on the
    // client's CPU.
    crate::pin_servers();
    let server: String = db
        .client()
        .query_one("SHOW server_version", &[])
        .await?
        .get(0);
    let server = format!(
        "PostgreSQL {}",
        server.split_whitespace().next().unwrap_or("")
    );
    // Raw tokio-postgres on a connection of its own, spawned as its documentation shows; ours
    // drives its connection itself (`Db::drive`, as `Db::connect` does).
    let raw_client = test_db.connect().await?;
    let client = &raw_client;
    #[cfg(feature = "peers")]
    let mut peer = crate::peers::Peer::connect(&test_db.url()).await?;
    let mut rows = Vec::new();
    let mut memory = None;

    // Data: 1,000 users; 10,000 projects over 5 statuses; 100 "nest" users with 10 projects each.
    client
        .batch_execute(
            "INSERT INTO users (email, name) SELECT 'u' || g || '@x.io', 'User ' || g FROM generate_series(1, 1000) g;
             INSERT INTO projects (owner_id, name, status, created_at)
               SELECT (SELECT id FROM users ORDER BY email OFFSET (g % 1000) LIMIT 1), 'p' || g,
                      (ARRAY['active','paused','done','archived','draft'])[1 + g % 5], now() - (g || ' minutes')::interval
               FROM generate_series(1, 10000) g;
             INSERT INTO users (email, name) SELECT 'nest' || g || '@x.io', 'Nest ' || g FROM generate_series(1, 100) g;
             INSERT INTO projects (owner_id, name) SELECT u.id, 'np' || g FROM users u, generate_series(1, 10) g WHERE u.email LIKE 'nest%';
             ANALYZE;",
        )
        .await?;
    let ids: Vec<Uuid> = client
        .query("SELECT id FROM users ORDER BY email", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    // The writes all go to one user outside the nested scenario's 100 (whose projects must stay 10
    // each, however many rows the writes add).
    let owner: Uuid = client
        .query_one("SELECT id FROM users WHERE email = 'u1@x.io'", &[])
        .await?
        .get(0);
    let project_ids: Vec<Uuid> = client
        .query("SELECT id FROM projects LIMIT 1000", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();

    if wants("pk") {
        // 1. Select one user by primary key.
        let stmt = client
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .await?;
        let raw_op = async |n: usize| {
            let row = client.query_one(&stmt, &[&ids[n % ids.len()]]).await?;
            std::hint::black_box(user_raw(&row));
            Ok(())
        };
        let result = compare(40, 50, raw_op, async |n| {
            std::hint::black_box(User::find(ids[n % ids.len()]).one(&db).await?);
            Ok(())
        })
        .await?;
        #[allow(unused_mut)]
        let mut measured = row(
            "select one user by primary key",
            result,
            1.02,
            "`User::find(id).one(&db)`",
        );
        #[cfg(feature = "peers")]
        {
            let row = client.query_one(&stmt, &[&ids[0]]).await?;
            assert_eq!(
                peer.user_by_id(ids[0]).await?,
                user_raw(&row),
                "sqlx reads what raw reads"
            );
            let (raw, sqlx) = compare(40, 50, raw_op, async |n| {
                std::hint::black_box(peer.user_by_id(ids[n % ids.len()]).await?);
                Ok(())
            })
            .await?;
            measured.sqlx = Some(sqlx.as_secs_f64() / raw.as_secs_f64());
        }
        rows.push(measured);
    }

    if wants("select") {
        // 2. 100 projects filtered by status, ordered, limited, decoded.
        let stmt = client
            .prepare(&format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE status = $1 ORDER BY created_at DESC LIMIT $2"))
            .await?;
        let statuses = ["active", "paused", "done", "archived", "draft"];
        let raw_op = async |n: usize| {
            let status = statuses[n % 5].to_string();
            let found: Vec<Project> = client
                .query(&stmt, &[&Some(status), &100_i64])
                .await?
                .iter()
                .map(|r| project_raw(r, 0))
                .collect();
            std::hint::black_box(found);
            Ok(())
        };
        let result = compare(20, 25, raw_op, async |n| {
            let found = Project::select()
                .filter(projects::status.eq(statuses[n % 5]))
                .order_by(projects::created_at.desc())
                .limit(100)
                .all(&db)
                .await?;
            std::hint::black_box(found);
            Ok(())
        })
        .await?;
        #[allow(unused_mut)]
        let mut measured = row(
            "select 100 projects: filter, order, limit, decode",
            result,
            1.10,
            "",
        );
        #[cfg(feature = "peers")]
        {
            let raw_rows: Vec<Project> = client
                .query(&stmt, &[&Some("active".to_string()), &100_i64])
                .await?
                .iter()
                .map(|r| project_raw(r, 0))
                .collect();
            assert_eq!(
                peer.projects_of_status("active").await?,
                raw_rows,
                "sqlx reads what raw reads"
            );
            let (raw, sqlx) = compare(20, 25, raw_op, async |n| {
                std::hint::black_box(peer.projects_of_status(statuses[n % 5]).await?);
                Ok(())
            })
            .await?;
            measured.sqlx = Some(sqlx.as_secs_f64() / raw.as_secs_f64());
        }
        rows.push(measured);
    }

    if wants("nested") {
        rows.push(nested(&db, client, "").await?);
    }

    if wants("update") {
        // 7. Update one project by key, updated_at included.
        let stmt = client
            .prepare("UPDATE projects SET name = $1, updated_at = now() WHERE id = $2")
            .await?;
        let raw_op = async |n: usize| {
            client
                .execute(
                    &stmt,
                    &[&format!("r{n}"), &project_ids[n % project_ids.len()]],
                )
                .await?;
            Ok(())
        };
        let result = compare(40, 50, raw_op, async |n| {
            Project::update()
                .set(projects::name, format!("o{n}"))
                .filter(projects::id.eq(project_ids[n % project_ids.len()]))
                .execute(&db)
                .await?;
            Ok(())
        })
        .await?;
        #[allow(unused_mut)]
        let mut measured = row(
            "update one project by key, updated_at hook",
            result,
            1.02,
            "",
        );
        #[cfg(feature = "peers")]
        {
            assert_eq!(peer.rename_project(project_ids[0], "peer").await?, 1);
            let (raw, sqlx) = compare(40, 50, raw_op, async |n| {
                peer.rename_project(project_ids[n % project_ids.len()], &format!("s{n}"))
                    .await?;
                Ok(())
            })
            .await?;
            measured.sqlx = Some(sqlx.as_secs_f64() / raw.as_secs_f64());
        }
        rows.push(measured);
    }

    if wants("insert") {
        // 3. Insert one user returning the row.
        let stmt = client
            .prepare(&format!(
                "INSERT INTO users (email, name) VALUES ($1, $2) RETURNING {USER_COLUMNS}"
            ))
            .await?;
        let result = compare(
            40,
            50,
            async |n| {
                let email = format!("raw{n}@x.io");
                let row = client.query_one(&stmt, &[&email, &"Raw"]).await?;
                std::hint::black_box(user_raw(&row));
                Ok(())
            },
            async |n| {
                let user = User::insert(NewUser::new().email(format!("ours{n}@x.io")).name("Ours"))
                    .returning()
                    .one(&db)
                    .await?;
                std::hint::black_box(user);
                Ok(())
            },
        )
        .await?;
        #[allow(unused_mut)]
        let mut measured = row("insert one user returning the row", result, 1.02, "");
        #[cfg(feature = "peers")]
        {
            let inserted = peer.insert_user("peer@x.io", "Peer").await?;
            let row = client
                .query_one(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE email = 'peer@x.io'"),
                    &[],
                )
                .await?;
            assert_eq!(inserted, user_raw(&row), "sqlx reads what raw reads");
            let (raw, sqlx) = compare(
                40,
                50,
                async |n| {
                    let email = format!("raw-s{n}@x.io");
                    let row = client.query_one(&stmt, &[&email, &"Raw"]).await?;
                    std::hint::black_box(user_raw(&row));
                    Ok(())
                },
                async |n| {
                    let email = format!("sqlx{n}@x.io");
                    std::hint::black_box(peer.insert_user(&email, "Sqlx").await?);
                    Ok(())
                },
            )
            .await?;
            measured.sqlx = Some(sqlx.as_secs_f64() / raw.as_secs_f64());
        }
        rows.push(measured);
    }

    if wants("insert-many") {
        // 4. Insert 1,000 projects in one statement: raw UNNEST and raw multi-row, ours unnest.
        let unnest = client
            .prepare(
                "INSERT INTO projects (owner_id, name) SELECT * FROM UNNEST($1::uuid[], $2::varchar[])",
            )
            .await?;
        let mut values = String::new();
        for i in 0..1000 {
            if i > 0 {
                values.push_str(", ");
            }
            values.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
        }
        let multi = client
            .prepare(&format!(
                "INSERT INTO projects (owner_id, name) VALUES {values}"
            ))
            .await?;
        // The rows as an application holds them; each side builds its parameters from them
        // every time (raw borrows, ours takes owned values into its insert rows).
        let data: Vec<(Uuid, String)> = (0..1000).map(|i| (owner, format!("bulk {i}"))).collect();
        let ours = async |_| {
            Project::insert_many(
                data.iter()
                    .map(|(owner, name)| NewProject::new().owner_id(*owner).name(name.as_str())),
            )
            .execute(&db)
            .await?;
            Ok(())
        };
        let (raw_unnest, ours_a) = compare(
            10,
            10,
            async |_| {
                let owners: Vec<Uuid> = data.iter().map(|(owner, _)| *owner).collect();
                let names: Vec<&str> = data.iter().map(|(_, name)| name.as_str()).collect();
                client.execute(&unnest, &[&owners, &names]).await?;
                Ok(())
            },
            ours,
        )
        .await?;
        let (raw_multi, ours_b) = compare(
            10,
            10,
            async |_| {
                let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(2000);
                for (owner, name) in &data {
                    params.push(owner);
                    params.push(name);
                }
                client.execute(&multi, &params).await?;
                Ok(())
            },
            ours,
        )
        .await?;
        rows.push(row(
            "insert 1,000 projects in one statement",
            against_faster((raw_unnest, ours_a), (raw_multi, ours_b)),
            1.10,
            &format!(
                "raw UNNEST {}, raw multi-row {}, both building their parameters from the rows; ours sends one array a column (`unnest`)",
                crate::ms(raw_unnest),
                crate::ms(raw_multi)
            ),
        ));
    }

    if wants("copy") {
        // 5. Bulk load 100,000 rows: throughput of COPY, raw BinaryCopyInWriter and ours.
        let now = chrono::Utc::now().naive_utc();
        let make = |i: usize| Project {
            id: Uuid::new_v4(),
            owner_id: owner,
            name: format!("copy {i}"),
            description: None,
            status: Some("active".into()),
            created_at: now,
            updated_at: now,
        };
        let types = [
            Type::UUID,
            Type::UUID,
            Type::VARCHAR,
            Type::TEXT,
            Type::VARCHAR,
            Type::TIMESTAMP,
            Type::TIMESTAMP,
        ];
        let copy_sql = format!("COPY projects ({PROJECT_COLUMNS}) FROM STDIN (FORMAT binary)");
        // Five rounds of one load each (after one warm-up each), alternating which goes first.
        let (raw_copy, our_copy) = compare(
            5,
            1,
            async |_| {
                let sink = client.copy_in(&copy_sql).await?;
                let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
                for i in 0..100_000 {
                    let p = make(i);
                    writer
                        .as_mut()
                        .write(&[
                            &p.id,
                            &p.owner_id,
                            &p.name,
                            &p.description,
                            &p.status,
                            &p.created_at,
                            &p.updated_at,
                        ])
                        .await?;
                }
                writer.finish().await?;
                Ok(())
            },
            async |_| {
                copy_in(&db, (0..100_000).map(make)).await?;
                Ok(())
            },
        )
        .await?;
        let raw_rate = 100_000.0 / raw_copy.as_secs_f64();
        let our_rate = 100_000.0 / our_copy.as_secs_f64();
        rows.push(Row {
            scenario: "bulk load 100,000 rows (COPY)".into(),
            raw: raw_copy,
            ours: our_copy,
            target: "throughput ≥ 0.90× raw".into(),
            met: our_rate >= 0.90 * raw_rate,
            note: format!(
                "{:.0} rows/s raw, {:.0} rows/s ours (`exec::copy_in`)",
                raw_rate, our_rate
            ),
            sqlx: None,
        });
        // Memory: peak RSS after 100,000 rows, then after 400,000 more through the same API.
        let before = peak_rss_kib();
        copy_in(&db, (0..400_000).map(make)).await?;
        let after = peak_rss_kib();
        memory = Some(format!(
            "Bulk load memory: peak resident set {} KiB after the 100,000-row loads, {} KiB after a further 400,000-row \
             load through `copy_in` (rows are encoded as the iterator yields them, in chunks).",
            before, after
        ));
    }

    if wants("nested-grown") {
        // The same load once `projects` has grown (by the writes above, when they ran) and been
        // analysed: the plans of both sides at that size.
        client.batch_execute("ANALYZE projects").await?;
        let projects: i64 = client
            .query_one("SELECT count(*) FROM projects", &[])
            .await?
            .get(0);
        rows.push(nested(&db, client, &format!(", {projects} projects in the table")).await?);
    }

    if wants("nested-wide") {
        rows.extend(nested_wide(&db, client).await?);
    }

    drop(db);
    drop(test_db);
    Ok((server, rows, memory))
}
