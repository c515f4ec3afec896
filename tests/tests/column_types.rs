//! Columns of every type that has a Rust type here, end to end on every server the tests have
//! (PostgreSQL 15 and 18): the migration builds exactly the declared catalog (no drift), a row
//! goes in and comes back equal, filters compare by value, and relation loading reads the same
//! types out of nested records.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use rust_decimal::Decimal;
use schema_core::chrono::NaiveTime;
use schema_core::cidr::{IpCidr, IpInet};
use schema_core::eui48::MacAddress;
use schema_core::migrate::catalog::Catalog;
use schema_core::migrate::{migration_sql, render};
use schema_core::prelude::*;
use schema_core::schema::SqlType;
use schema_core::testing::{self, TestDb};
use schema_tests::column_types::{
    device_logs, devices, people, schema, tickets, Device, DeviceLog, NewDevice, NewDeviceLog,
    NewPerson, NewTicket, Person, Port, Settings, Ticket,
};

/// A fresh database on `target` with the column-types schema migrated, and a `Db` on it.
async fn migrated(target: testing::Target) -> (TestDb, Db) {
    let test_db = TestDb::on(target).await.unwrap();
    let client = test_db.connect().await.unwrap();
    client
        .batch_execute(&migration_sql("0000_types", &render::create_all(&schema())))
        .await
        .unwrap_or_else(|e| panic!("the migration applies on {}: {e:?}", target.describe()));
    (test_db, Db::new(client))
}

fn settings(theme: &str) -> Json<Settings> {
    Json(Settings {
        theme: theme.to_string(),
        retries: 3,
        tags: vec!["a\"quote".into(), "ünï".into()],
    })
}

/// A new device with every required field set (a macro: the builder's type says which are).
macro_rules! new_device {
    ($address:expr) => {
        NewDevice::new()
            .firmware(vec![0, 1, 2, 255, 0])
            .address($address)
            .network(IpCidr::from_str("10.1.0.0/16").unwrap())
            .mac(MacAddress::parse_str("08:00:2b:01:02:03").unwrap())
            .poll_every(Interval::months(1) + Interval::days(2) + Interval::microseconds(3_000_001))
            .quiet_from(NaiveTime::from_hms_micro_opt(22, 30, 0, 123_456).unwrap())
            .price(Decimal::from_str("12345678.1234").unwrap())
            .settings(settings("dark"))
            .history(vec![settings("light"), settings("dark")])
            .ports(vec![Port::Wifi, Port::Ethernet])
            .dns(vec![
                IpAddr::V4(Ipv4Addr::new(1, 1, 1, 1)),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ])
    };
}

#[tokio::test]
async fn every_column_type_round_trips_on_every_server() {
    let schema = schema();
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.expect("test database");
        let client = test_db.connect().await.expect("connect");
        client
            .batch_execute(&migration_sql("0000_types", &render::create_all(&schema)))
            .await
            .unwrap_or_else(|e| panic!("the migration applies on {}: {e:?}", target.describe()));

        // `check`: the catalog is the declared one, type by type.
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &schema).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        let devices = &live.tables["public.devices"];
        let printed: Vec<(&str, &str)> = devices
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_name.as_str()))
            .collect();
        for expected in [
            ("firmware", "bytea"),
            ("address", "inet"),
            ("network", "cidr"),
            ("gateway", "inet"),
            ("mac", "macaddr"),
            ("poll_every", "interval"),
            ("quiet_from", "time without time zone"),
            ("price", "numeric(12,4)"),
            ("settings", "jsonb"),
            ("history", "jsonb[]"),
            ("ports", "port[]"),
            ("dns", "inet[]"),
            ("raw", "json"),
        ] {
            assert!(printed.contains(&expected), "{expected:?} in {printed:?}");
        }

        let db = Db::new(client);
        let address = IpAddr::V6(Ipv6Addr::from_str("2001:db8::7").unwrap());
        let device = Device::insert(
            new_device!(address)
                .signature(Some(vec![9; 64]))
                .gateway(Some(IpInet::from_str("10.1.0.1/16").unwrap()))
                .raw(Some(
                    schema_core::serde_json::json!({"kept": "as json", "b": 1, "a": 2}),
                )),
        )
        .returning()
        .one(&db)
        .await
        .unwrap();
        assert_eq!(device.firmware, vec![0, 1, 2, 255, 0]);
        assert_eq!(
            device.poll_every,
            Interval {
                months: 1,
                days: 2,
                microseconds: 3_000_001
            }
        );
        assert_eq!(device.settings, settings("dark"));
        assert_eq!(device.ports, vec![Port::Wifi, Port::Ethernet]);
        assert_eq!(device.price.to_string(), "12345678.1234");
        let found = Device::find(device.id).one(&db).await.unwrap();
        assert_eq!(found, device, "read back equal, field by field");

        // Nulls, and filters that compare by value.
        let bare = Device::insert(new_device!(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!((bare.signature, bare.gateway, bare.raw), (None, None, None));
        let by_address = Device::select()
            .filter(devices::address.eq(address))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(by_address, vec![device.clone()]);
        let by_interval = Device::select()
            .filter(devices::poll_every.eq(device.poll_every))
            .filter(devices::firmware.eq(vec![0u8, 1, 2, 255, 0]))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(by_interval, 2);

        // The same types read out of nested records by relation loading.
        for (took, peer) in [
            (Interval::days(1), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))),
            (Interval::microseconds(-5), address),
        ] {
            DeviceLog::insert(
                NewDeviceLog::new()
                    .device_id(device.id)
                    .peer(peer)
                    .took(took)
                    .payload(vec![7, 0, 7])
                    .detail(settings("nested"))
                    .ports(vec![Port::Serial]),
            )
            .execute(&db)
            .await
            .unwrap();
        }
        let loaded = Device::select()
            .filter(devices::id.eq(device.id))
            .with(devices::logs.order_by(device_logs::id))
            .one(&db)
            .await
            .unwrap();
        let (with_logs, logs): (Device, Vec<DeviceLog>) = loaded;
        assert_eq!(with_logs, device);
        let read: Vec<_> = logs
            .iter()
            .map(|l| {
                (
                    l.took,
                    l.peer,
                    l.payload.clone(),
                    l.detail.clone(),
                    l.ports.clone(),
                )
            })
            .collect();
        assert_eq!(
            read,
            vec![
                (
                    Interval::days(1),
                    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
                    vec![7, 0, 7],
                    settings("nested"),
                    vec![Port::Serial]
                ),
                (
                    Interval::microseconds(-5),
                    address,
                    vec![7, 0, 7],
                    settings("nested"),
                    vec![Port::Serial]
                ),
            ]
        );
    }
}

/// `default_fn`: called once for each inserted row that leaves the column out (one row, many
/// rows in one statement, an upsert), never for a row that sets it; nothing of it is in the
/// database's schema.
#[tokio::test]
async fn default_fn_gives_each_row_that_leaves_it_out_a_value() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;

        let one = Ticket::insert(NewTicket::new().title("one"))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert!(one.code.starts_with("T-"), "{one:?}");
        assert_eq!(one.labels, Some(vec!["new".to_string()]));

        let given = Ticket::insert(NewTicket::new().code("MINE").title("given").labels(None))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(
            (given.code.as_str(), given.labels),
            ("MINE", None),
            "a set value is kept, even None"
        );

        let many =
            Ticket::insert_many((0..3).map(|i| NewTicket::new().title(format!("batch {i}"))))
                .returning()
                .all(&db)
                .await
                .unwrap();
        let mut codes: Vec<&str> = many.iter().map(|t| t.code.as_str()).collect();
        codes.push(&one.code);
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 4, "one call per row: {many:?}");

        let upserted = Ticket::insert(NewTicket::new().code("MINE").title("again"))
            .on_conflict(tickets::code)
            .do_update(tickets::title, schema_core::query::excluded(tickets::title))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(
            (upserted.code.as_str(), upserted.title.as_str()),
            ("MINE", "again")
        );
        assert_eq!(Ticket::select().count(&db).await.unwrap(), 5);

        // The database knows no default: a raw insert without the column is refused.
        let raw =
            schema_core::exec::raw_execute(&db, "INSERT INTO tickets (title) VALUES ('raw')", &[])
                .await;
        assert!(raw.is_err());
    }
}

/// A generated column is computed on insert and again on every update of what it is computed
/// from; inserts and updates have no way to write it (`tests/ui/generated_column_mistakes.rs`).
#[tokio::test]
async fn generated_columns_are_computed_and_never_written() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;
        let ada = Person::insert(NewPerson::new().first("Ada").last("Lovelace"))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(
            (ada.full_name.as_str(), ada.last_length),
            ("Ada Lovelace", Some(16))
        );
        Person::insert_many([
            NewPerson::new().first("Grace").last("Hopper"),
            NewPerson::new().first("Alan").last("Turing"),
        ])
        .execute(&db)
        .await
        .unwrap();
        let renamed = Person::update()
            .set(people::last, "King".to_string())
            .filter(people::id.eq(ada.id))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(
            (renamed.full_name.as_str(), renamed.last_length),
            ("Ada King", Some(8))
        );
        let found = Person::select()
            .filter(people::full_name.eq("Grace Hopper".to_string()))
            .order_by(people::last_length)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        // COPY sends neither the generated columns nor the `identity = always` key.
        let copy = Person {
            id: 0,
            first: "Edsger".into(),
            last: "Dijkstra".into(),
            full_name: "ignored".into(),
            last_length: None,
        };
        assert_eq!(schema_core::exec::copy_in(&db, [copy]).await.unwrap(), 1);
        let copied = Person::select()
            .filter(people::first.eq("Edsger".to_string()))
            .one(&db)
            .await
            .unwrap();
        assert_eq!(
            (copied.full_name.as_str(), copied.last_length),
            ("Edsger Dijkstra", Some(16))
        );
    }
}

#[allow(dead_code)]
mod g1 {
    use schema_core::prelude::*;

    #[table(name = "people", index(on(full_name)))]
    pub struct Person {
        #[column(primary_key, identity)]
        pub id: i64,
        pub first: String,
        pub last: String,
        #[column(generated = "first || ' ' || last")]
        pub full_name: String,
        #[column(generated = "length(last)")]
        pub last_length: Option<i32>,
        pub nickname: Option<String>,
    }
}

#[allow(dead_code)]
mod g2 {
    use schema_core::prelude::*;

    #[table(name = "people", index(on(full_name)))]
    pub struct Person {
        #[column(primary_key, identity)]
        pub id: i64,
        pub first: String,
        pub last: String,
        /// Another expression: dropped and added again, and its index made again.
        #[column(generated = "last || ', ' || first")]
        pub full_name: String,
        /// No longer generated: keeps its values.
        pub last_length: Option<i32>,
        /// Now generated: its stored values are replaced (data loss, refused unless allowed).
        #[column(generated = "upper(first)")]
        pub nickname: Option<String>,
    }
}

/// The diff of generated columns: an expression change is a drop-and-add in one statement
/// (marked in the file, its index made again), generated → plain is `DROP EXPRESSION`, plain →
/// generated replaces values and is refused without `--allow-data-loss`. Applied by the runner
/// to a table with rows, on every server: the catalog is then the declared one.
#[tokio::test]
async fn a_changed_generation_expression_is_a_drop_and_add() {
    use schema_core::migrate::runner::{self, RunnerOptions};
    use schema_core::migrate::{diff, DiffOptions, MigrationsDir};

    let v1 = Schema::new().table::<g1::Person>();
    let v2 = Schema::new().table::<g2::Person>();
    let refusal = diff::diff(&v1, &v2, DiffOptions::default()).unwrap_err();
    assert_eq!(refusal.0.len(), 1, "{refusal}");
    assert!(
        refusal.0[0].contains("\"nickname\" of \"people\" becomes generated"),
        "{refusal}"
    );
    let allow = DiffOptions {
        allow_data_loss: true,
    };

    for target in testing::targets().expect("a PostgreSQL to test on") {
        let dir = std::env::temp_dir().join(format!(
            "schema-generated-{}",
            schema_core::uuid::Uuid::new_v4().simple()
        ));
        let migrations = MigrationsDir::new(&dir);
        let test_db = TestDb::on(target).await.unwrap();
        let mut client = test_db.connect().await.unwrap();
        migrations.generate(&v1, None).unwrap();
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap();
        client
            .batch_execute(
                "INSERT INTO people (first, last, nickname) VALUES ('Ada', 'Lovelace', 'countess')",
            )
            .await
            .unwrap();

        migrations.generate_with(&v2, None, allow).unwrap();
        let journal = migrations.journal().unwrap();
        let files: String = journal.entries[1..]
            .iter()
            .map(|e| std::fs::read_to_string(dir.join(format!("{}.sql", e.tag))).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!("generated_columns_v1_to_v2", files);
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap_or_else(|e| panic!("on {}: {e}", target.describe()));
        let row = client
            .query_one("SELECT full_name, last_length, nickname FROM people", &[])
            .await
            .unwrap();
        let read: (String, Option<i32>, Option<String>) = (row.get(0), row.get(1), row.get(2));
        assert_eq!(read, ("Lovelace, Ada".into(), Some(8), Some("ADA".into())));
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &v2).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Sequences of their own: a column's default (`nextval`), `exec::next_value`, a cycling
/// sequence in another Postgres schema owned by a column; no drift after the migration.
#[tokio::test]
async fn declared_sequences_number_rows() {
    use schema_tests::column_types::{Invoice, NewInvoice, BATCHES, INVOICE_NUMBERS};
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;
        let mut numbers = Vec::new();
        for amount in [10, 20, 30, 40] {
            let invoice = Invoice::insert(NewInvoice::new().amount(amount))
                .returning()
                .one(&db)
                .await
                .unwrap();
            numbers.push((invoice.number, invoice.batch));
        }
        assert_eq!(
            numbers,
            [(1000, 1), (1005, 2), (1010, 3), (1015, 1)],
            "start, increment, cycle"
        );
        assert_eq!(
            schema_core::exec::next_value(&db, &INVOICE_NUMBERS)
                .await
                .unwrap(),
            1020
        );
        assert_eq!(
            schema_core::exec::next_value(&db, &BATCHES).await.unwrap(),
            2
        );
    }
}

#[allow(dead_code)]
mod q1 {
    use schema_core::prelude::*;
    use schema_core::schema::SequenceDef;

    pub const ORDERS: SequenceDef = SequenceDef::new("order_numbers");
    pub const OLD: SequenceDef = SequenceDef::new("old_numbers").start(7);

    #[table(name = "orders")]
    pub struct Order {
        #[column(primary_key, default = nextval("order_numbers"))]
        pub number: i64,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<Order>()
            .sequence(ORDERS)
            .sequence(OLD)
    }
}

#[allow(dead_code)]
mod q2 {
    use schema_core::prelude::*;
    use schema_core::schema::SequenceDef;

    /// Options changed, and now owned by its column.
    pub const ORDERS: SequenceDef = SequenceDef::new("order_numbers")
        .increment(10)
        .max_value(1_000_000)
        .owned_by("orders", "number");
    pub const NEW: SequenceDef = SequenceDef::new("receipt_numbers").start(50);

    #[table(name = "orders")]
    pub struct Order {
        #[column(primary_key, default = nextval("order_numbers"))]
        pub number: i64,
        #[column(default = nextval("receipt_numbers"))]
        pub receipt: i64,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<Order>()
            .sequence(ORDERS)
            .sequence(NEW)
    }
}

/// The diff of sequences: a new one made before the column whose default uses it, options
/// altered in place (the current value kept), an owner set after the table, a dropped one last.
/// Applied by the runner on every server: no drift, and numbering goes on from where it was.
#[tokio::test]
async fn sequences_are_created_altered_owned_and_dropped() {
    use schema_core::migrate::runner::{self, RunnerOptions};
    use schema_core::migrate::{DiffOptions, MigrationsDir};

    for target in testing::targets().expect("a PostgreSQL to test on") {
        let dir = std::env::temp_dir().join(format!(
            "schema-sequences-{}",
            schema_core::uuid::Uuid::new_v4().simple()
        ));
        let migrations = MigrationsDir::new(&dir);
        let test_db = TestDb::on(target).await.unwrap();
        let mut client = test_db.connect().await.unwrap();
        migrations.generate(&q1::schema(), None).unwrap();
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap();
        client
            .batch_execute("INSERT INTO orders DEFAULT VALUES; INSERT INTO orders DEFAULT VALUES;")
            .await
            .unwrap();
        migrations
            .generate_with(&q2::schema(), None, DiffOptions::default())
            .unwrap();
        let journal = migrations.journal().unwrap();
        let file =
            std::fs::read_to_string(dir.join(format!("{}.sql", journal.entries[1].tag))).unwrap();
        insta::assert_snapshot!("sequences_q1_to_q2", file);
        runner::migrate(&mut client, &migrations, RunnerOptions::default())
            .await
            .unwrap_or_else(|e| panic!("on {}: {e}", target.describe()));
        client
            .batch_execute("INSERT INTO orders DEFAULT VALUES")
            .await
            .unwrap();
        let rows: Vec<(i64, i64)> = client
            .query("SELECT number, receipt FROM orders ORDER BY number", &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        assert_eq!(
            rows,
            [(1, 50), (2, 51), (12, 52)],
            "on {}",
            target.describe()
        );
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &q2::schema()).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        assert!(!live.sequences.contains_key("public.old_numbers"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Row-level security on a real server, with roles the policies restrict: each sees its own
/// rows and the published ones, cannot touch another's, and the restrictive policy holds for
/// all. The typed error names the table.
#[tokio::test]
async fn row_level_security_restricts_non_owner_roles() {
    use schema_tests::column_types::{documents, Document, NewDocument};
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;
        // Two roles of this test alone (roles are the cluster's, tests share it).
        let suffix = schema_core::uuid::Uuid::new_v4().simple().to_string();
        let (alice, bob) = (format!("alice_{suffix}"), format!("bob_{suffix}"));
        for role in [&alice, &bob] {
            for statement in [
                format!("CREATE ROLE {role} NOLOGIN"),
                format!("GRANT SELECT, INSERT, UPDATE, DELETE ON documents TO {role}"),
            ] {
                schema_core::exec::raw_execute(&db, &statement, &[])
                    .await
                    .unwrap();
            }
        }
        let as_role = |role: &str| format!("SET ROLE {role}");
        schema_core::exec::raw_execute(&db, &as_role(&alice), &[])
            .await
            .unwrap();
        let mine = Document::insert(NewDocument::new().body("alice's draft"))
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(mine.owner, alice);
        schema_core::exec::raw_execute(&db, &as_role(&bob), &[])
            .await
            .unwrap();
        for (body, published) in [("bob's draft", false), ("bob's post", true)] {
            Document::insert(NewDocument::new().body(body).published(published))
                .execute(&db)
                .await
                .unwrap();
        }
        // Bob cannot change Alice's row: it is not there for him.
        let touched = Document::update()
            .set(documents::body, "defaced".to_string())
            .filter(documents::id.eq(mine.id))
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(touched, 0);
        // Nor write a row as hers.
        let forged = Document::insert(NewDocument::new().body("forged").owner(alice.clone()))
            .execute(&db)
            .await
            .unwrap_err();
        assert!(
            forged.to_string().contains("row-level security")
                && forged.to_string().contains("documents"),
            "{forged}"
        );
        // The restrictive policy holds even on his own rows.
        let empty = Document::insert(NewDocument::new().body(""))
            .execute(&db)
            .await
            .unwrap_err();
        assert!(empty.to_string().contains("row-level security"), "{empty}");

        schema_core::exec::raw_execute(&db, &as_role(&alice), &[])
            .await
            .unwrap();
        let seen: Vec<String> = Document::select()
            .order_by(documents::id)
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.body)
            .collect();
        assert_eq!(
            seen,
            ["alice's draft", "bob's post"],
            "her own rows and the published ones"
        );
        schema_core::exec::raw_execute(&db, "RESET ROLE", &[])
            .await
            .unwrap();
        assert_eq!(
            Document::select().count(&db).await.unwrap(),
            3,
            "a superuser sees every row"
        );
        for role in [&alice, &bob] {
            for statement in [format!("DROP OWNED BY {role}"), format!("DROP ROLE {role}")] {
                schema_core::exec::raw_execute(&db, &statement, &[])
                    .await
                    .unwrap();
            }
        }
    }
}

#[allow(dead_code)]
mod r1 {
    use schema_core::prelude::*;

    #[table(
        name = "notes",
        row_level_security,
        policy(name = "mine", using = "author = current_user"),
        policy(name = "old_rule", command = delete, using = "false")
    )]
    pub struct Note {
        #[column(primary_key, identity)]
        pub id: i64,
        pub author: String,
    }
}

#[allow(dead_code)]
mod r2 {
    use schema_core::prelude::*;

    #[table(
        name = "notes",
        force_row_level_security,
        policy(name = "mine", using = "author = current_user OR author = 'shared'"),
        policy(name = "readers", command = select, to("pg_read_all_data", "pg_monitor"), using = "true")
    )]
    pub struct Note {
        #[column(primary_key, identity)]
        pub id: i64,
        pub author: String,
    }
}

/// The diff of row-level security: a changed policy is dropped and made again in one
/// transaction, a removed one dropped, a new one (for named roles) made, `ENABLE` becomes
/// `FORCE`. Applied on every server: no drift.
#[tokio::test]
async fn policies_are_made_changed_and_dropped() {
    use schema_core::migrate::{diff, diff_sql, DiffOptions};
    let v1 = Schema::new().table::<r1::Note>();
    let v2 = Schema::new().table::<r2::Note>();
    let plan = diff::diff(&v1, &v2, DiffOptions::default()).unwrap();
    assert!(plan.online.is_empty());
    let sql = diff_sql("0001_policies", &plan.steps, false);
    insta::assert_snapshot!("policies_r1_to_r2", sql);
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql("0000_notes", &render::create_all(&v1)))
            .await
            .unwrap();
        client.batch_execute(&sql).await.unwrap();
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &v2).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        let notes = &live.tables["public.notes"];
        assert!(notes.row_security && notes.force_row_security);
        assert_eq!(
            notes.policies["readers"].roles,
            ["pg_monitor", "pg_read_all_data"]
        );
    }
}

/// Views are read like tables (filters, order, count); a materialized view keeps its rows until
/// `refresh` or `refresh_concurrently` (which its unique index allows) runs its query again.
#[tokio::test]
async fn views_are_read_like_tables_and_refreshed() {
    use schema_tests::column_types::{busy_devices, device_summaries, BusyDevice, DeviceSummary};
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;
        let quiet = Device::insert(new_device!(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))))
            .returning()
            .one(&db)
            .await
            .unwrap();
        let busy = Device::insert(new_device!(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2))))
            .returning()
            .one(&db)
            .await
            .unwrap();
        let log = || {
            DeviceLog::insert(
                NewDeviceLog::new()
                    .device_id(busy.id)
                    .peer(IpAddr::V4(Ipv4Addr::LOCALHOST))
                    .took(Interval::days(1))
                    .payload(vec![1])
                    .detail(settings("x"))
                    .ports(vec![]),
            )
        };
        log().execute(&db).await.unwrap();

        let summaries = DeviceSummary::select()
            .order_by(device_summaries::id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            summaries,
            [
                DeviceSummary {
                    id: quiet.id,
                    address: quiet.address,
                    logs: 0
                },
                DeviceSummary {
                    id: busy.id,
                    address: busy.address,
                    logs: 1
                },
            ]
        );
        let busiest = DeviceSummary::select()
            .filter(device_summaries::logs.gt(0))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(busiest, 1);

        // Filled when made; stale until refreshed.
        assert_eq!(BusyDevice::select().all(&db).await.unwrap(), []);
        BusyDevice::refresh(&db).await.unwrap();
        assert_eq!(
            BusyDevice::select().all(&db).await.unwrap(),
            [BusyDevice {
                id: busy.id,
                logs: 1
            }]
        );
        log().execute(&db).await.unwrap();
        BusyDevice::refresh_concurrently(&db).await.unwrap();
        let refreshed = BusyDevice::select()
            .filter(busy_devices::id.eq(busy.id))
            .one(&db)
            .await
            .unwrap();
        assert_eq!(refreshed.logs, 2);
    }
}

#[allow(dead_code)]
mod w1 {
    use schema_core::prelude::*;

    #[table(name = "accounts")]
    pub struct Account {
        #[column(primary_key, identity)]
        pub id: i64,
        pub age: i32,
        pub nickname: Option<String>,
    }

    #[view(name = "adults", sql = "SELECT id, age FROM accounts WHERE age >= 18")]
    pub struct Adult {
        pub id: i64,
        pub age: i32,
    }

    #[view(name = "adult_count", sql = "SELECT count(*) AS n FROM adults")]
    pub struct AdultCount {
        pub n: i64,
    }

    #[view(name = "nicknames", sql = "SELECT nickname FROM accounts")]
    pub struct Nickname {
        pub nickname: Option<String>,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<Account>()
            .view::<Adult>()
            .view::<AdultCount>()
            .view::<Nickname>()
    }
}

#[allow(dead_code)]
mod w2 {
    use schema_core::prelude::*;

    /// `age` widens to bigint: PostgreSQL refuses that under a view that reads it.
    #[table(name = "accounts")]
    pub struct Account {
        #[column(primary_key, identity)]
        pub id: i64,
        pub age: i64,
        pub nickname: Option<String>,
    }

    #[view(name = "adults", sql = "SELECT id, age FROM accounts WHERE age >= 18")]
    pub struct Adult {
        pub id: i64,
        pub age: i64,
    }

    /// Unchanged, but it reads `adults`, which is made again.
    #[view(name = "adult_count", sql = "SELECT count(*) AS n FROM adults")]
    pub struct AdultCount {
        pub n: i64,
    }

    /// A new query.
    #[view(
        name = "nicknames",
        sql = "SELECT DISTINCT nickname FROM accounts WHERE nickname IS NOT NULL"
    )]
    pub struct Nickname {
        pub nickname: Option<String>,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<Account>()
            .view::<Adult>()
            .view::<AdultCount>()
            .view::<Nickname>()
    }
}

/// The diff of views: a column type change under a view drops the views that read the table
/// (readers of those views first) and makes them again after, in dependency order; a changed
/// query is a drop and a create; applied on every server with rows in the table: no drift.
#[tokio::test]
async fn views_are_made_again_around_the_table_changes_they_block() {
    use schema_core::migrate::{diff, diff_sql, DiffOptions};
    let plan = diff::diff(&w1::schema(), &w2::schema(), DiffOptions::default()).unwrap();
    let sql = diff_sql("0001_widen", &plan.steps, false);
    insta::assert_snapshot!("views_w1_to_w2", sql);
    assert!(plan.online.is_empty());
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql(
                "0000_accounts",
                &render::create_all(&w1::schema()),
            ))
            .await
            .unwrap();
        client
            .batch_execute("INSERT INTO accounts (age, nickname) VALUES (17, 'kid'), (40, NULL)")
            .await
            .unwrap();
        client
            .batch_execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("on {}: {e:?}", target.describe()));
        let n: i64 = client
            .query_one("SELECT n FROM adult_count", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &w2::schema()).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
    }
}

/// A view written by the query builder: its values become literals of their types (a quote in
/// a string escaped), the view reads as its query does, and a value that has no literal form
/// (an array of an enum) is reported by `Schema::validate`, naming the view.
#[tokio::test]
async fn a_view_written_by_the_query_builder() {
    use schema_core::query::ViewQuery;
    use schema_tests::column_types::{long_names, LongName};
    let sql = schema_tests::column_types::long_names_query()
        .view_sql()
        .unwrap();
    insta::assert_snapshot!("long_names_view_sql", sql);
    let values = Device::select()
        .filter(devices::quiet_from.lt(NaiveTime::from_hms_opt(23, 0, 0).unwrap()))
        .filter(
            devices::signature
                .is_null()
                .or(devices::raw.eq(schema_core::serde_json::json!({"a": "it's"}))),
        )
        .filter(
            devices::id
                .ne(7)
                .and(devices::price.gt(Decimal::ONE).or(devices::id.eq(1))),
        )
        .view_sql();
    // Decimal is no built-in scalar here: refused, with the way out.
    let refused = values.unwrap_err();
    assert!(
        refused.contains("cannot be written as a literal"),
        "{refused}"
    );
    let ok = Device::select()
        .filter(devices::quiet_from.lt(NaiveTime::from_hms_opt(23, 0, 0).unwrap()))
        .filter(devices::raw.eq(schema_core::serde_json::json!({"a": "it's"})))
        .view_sql()
        .unwrap();
    assert!(
        ok.contains("'23:00:00'::time") && ok.contains(r#"'{"a":"it''s"}'::jsonb"#),
        "{ok}"
    );

    let enum_array = Device::select().filter(devices::ports.eq(vec![Port::Wifi]));
    let mut bad = Schema::new().table::<Device>();
    bad.add_view(schema_core::schema::ViewDef {
        sql: schema_core::query::view_query_sql(&enum_array).into(),
        materialized: false,
        relation: <LongName as schema_core::schema::Table>::DEF,
    });
    let error = bad.validate().unwrap_err().to_string();
    assert!(
        error.contains("view \"long_names\"") && error.contains("Expr::raw"),
        "{error}"
    );

    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;
        for (first, last) in [
            ("Ada", "Lovelace"),
            ("O'Brien", "Featherstone"),
            ("Alan", "Turing"),
        ] {
            Person::insert(NewPerson::new().first(first).last(last))
                .execute(&db)
                .await
                .unwrap();
        }
        let names: Vec<String> = LongName::select()
            .order_by(long_names::id)
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.full_name)
            .collect();
        // `last_length` is twice the length of `last`; O'Brien is left out by the literal.
        assert_eq!(names, ["Ada Lovelace", "Alan Turing"]);
    }
}

#[allow(dead_code)]
mod c1 {
    use schema_core::prelude::*;

    /// Notes kept by the team.
    #[table(
        name = "memos",
        comments,
        grant(select, insert, to = "schema_tests_clerk")
    )]
    pub struct Memo {
        /// Its number.
        #[column(primary_key, identity)]
        pub id: i64,
        /// What it says.
        pub body: String,
    }
}

#[allow(dead_code)]
mod c2 {
    use schema_core::prelude::*;

    /// Notes kept by the whole company.
    #[table(
        name = "memos",
        comments,
        grant(select, delete, to = "schema_tests_clerk"),
        grant(select, to = "public")
    )]
    pub struct Memo {
        #[column(primary_key, identity)]
        pub id: i64,
        /// What it says, in full.
        pub body: String,
    }
}

/// Comments (from doc comments, with `comments`) and grants: made with the table, then changed,
/// removed, granted and revoked by the diff; a role holds exactly what was granted (tested under
/// `SET ROLE`); no drift on every server.
#[tokio::test]
async fn comments_and_grants_follow_the_declaration() {
    use schema_core::migrate::{diff, diff_sql, DiffOptions};
    let v1 = Schema::new().table::<c1::Memo>();
    let v2 = Schema::new().table::<c2::Memo>();
    let created = migration_sql("0000_memos", &render::create_all(&v1));
    let plan = diff::diff(&v1, &v2, DiffOptions::default()).unwrap();
    let changed = diff_sql("0001_memos", &plan.steps, false);
    insta::assert_snapshot!("comments_and_grants", format!("{created}\n{changed}"));
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        // The role is the cluster's, shared by the tests that run at once.
        client
            .batch_execute(
                "DO $$ BEGIN CREATE ROLE schema_tests_clerk NOLOGIN;
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
            )
            .await
            .unwrap();
        client.batch_execute(&created).await.unwrap();
        let expected = Catalog::expected_on(&client, &v1).await.unwrap();
        let live = Catalog::read(&client).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        client.batch_execute(&changed).await.unwrap();
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &v2).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        let memos = &live.tables["public.memos"];
        assert_eq!(
            memos.comment.as_deref(),
            Some("Notes kept by the whole company.")
        );
        assert_eq!(memos.columns[0].comment, None);
        assert_eq!(memos.grants["schema_tests_clerk"], ["DELETE", "SELECT"]);
        assert_eq!(memos.grants["public"], ["SELECT"]);

        client
            .batch_execute("INSERT INTO memos (body) VALUES ('hi')")
            .await
            .unwrap();
        client
            .batch_execute("SET ROLE schema_tests_clerk")
            .await
            .unwrap();
        let refused = client
            .batch_execute("INSERT INTO memos (body) VALUES ('no')")
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("permission denied")
                || format!("{refused:?}").contains("permission denied"),
            "{refused:?}"
        );
        client.batch_execute("DELETE FROM memos").await.unwrap();
        client.batch_execute("RESET ROLE").await.unwrap();
    }
}

/// Full-text search end to end: a generated `tsvector` read back as `TsVector`, one written
/// from Rust and read back equal, `matches` with the query functions, `rank` for ordering, and
/// the GIN index used by the match (EXPLAIN, with sequential scans off).
#[tokio::test]
async fn full_text_search_is_typed() {
    use schema_core::query::fts::{plainto_tsquery, to_tsquery, websearch_to_tsquery};
    use schema_core::types::{Lexeme, TsVector, Weight};
    use schema_tests::column_types::{articles, Article, NewArticle};
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;
        let keywords = TsVector {
            lexemes: vec![
                Lexeme {
                    word: "it's".into(),
                    positions: vec![(1, Weight::A), (3, Weight::D)],
                },
                Lexeme {
                    word: "zebra".into(),
                    positions: vec![],
                },
            ],
        };
        for (title, body) in [
            ("Cats", "The cat sat on the mat; cats like mats."),
            ("Dogs", "A dog chased a cat."),
            ("Birds", "Nothing about mammals here."),
        ] {
            Article::insert(
                NewArticle::new()
                    .title(title)
                    .body(body)
                    .keywords(Some(keywords.clone())),
            )
            .execute(&db)
            .await
            .unwrap();
        }
        let cats = Article::select()
            .filter(articles::search.matches(plainto_tsquery("english", "cats")))
            .order_by(
                articles::search
                    .rank(plainto_tsquery("english", "cats"))
                    .desc(),
            )
            .all(&db)
            .await
            .unwrap();
        let titles: Vec<&str> = cats.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Cats", "Dogs"], "stemmed, ranked by matches");
        assert!(
            cats[0].search.words().any(|w| w == "cat"),
            "{}",
            cats[0].search
        );
        assert_eq!(
            cats[0].keywords.as_ref(),
            Some(&keywords),
            "written and read back"
        );
        assert_eq!(
            cats[0].keywords.as_ref().unwrap().to_string(),
            "'it''s':1A,3 'zebra'"
        );
        let dogs_not_cats = Article::select()
            .filter(articles::search.matches(websearch_to_tsquery("english", "cat -dog")))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(dogs_not_cats, 1);
        let prefix = Article::select()
            .filter(articles::search.matches(to_tsquery("english", "mamm:*")))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(prefix, 1);

        // The match uses the GIN index.
        let (sql, _) = Article::select()
            .filter(articles::search.matches(to_tsquery("english", "cat")))
            .sql();
        let explain = sql.replace("$1", "'english'").replace("$2", "'cat'");
        schema_core::exec::raw_execute(&db, "SET enable_seqscan = off", &[])
            .await
            .unwrap();
        let lines = schema_core::exec::raw_query::<(schema_core::exec::Value<String>,)>(
            &db,
            &format!("EXPLAIN {explain}"),
            &[],
        )
        .await
        .unwrap();
        let plan: String = lines.into_iter().map(|(line,)| line.0 + "\n").collect();
        assert!(plan.contains("articles_search_idx"), "{plan}");
    }
}

#[allow(dead_code)]
mod refused {
    use schema_core::prelude::*;

    #[table(
        name = "secrets",
        row_level_security,
        policy(name = "owners", to = "no_such_role_anywhere", using = "true"),
        grant(select, to = "no_such_role_anywhere")
    )]
    pub struct Secret {
        #[column(primary_key, default = nextval("secret_numbers"))]
        pub id: i64,
    }

    #[view(name = "broken", sql = "SELECT id FROM no_such_table")]
    pub struct Broken {
        pub id: i64,
    }
}

/// The trial `generate` and `check` run on a server: sequences, generated columns, policies,
/// grants and views of the declared schema are made in the temporary schema (none refused
/// here), and what the server refuses is named by its object: a policy or grant to a missing
/// role, a view over a missing table.
#[tokio::test]
async fn the_trial_makes_every_object_and_names_what_the_server_refuses() {
    use schema_core::migrate::trial::try_on;
    use schema_core::schema::SequenceDef;
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        let refused = try_on(&client, &schema()).await.unwrap();
        assert_eq!(refused, [], "on {}", target.describe());

        let bad = Schema::new()
            .table::<refused::Secret>()
            .view::<refused::Broken>()
            .sequence(SequenceDef::new("secret_numbers"));
        let refused: Vec<String> = try_on(&client, &bad)
            .await
            .unwrap()
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(refused.len(), 3, "{refused:#?}");
        assert!(
            refused[0].starts_with(
                "policy `owners` of table `secrets`: role \"no_such_role_anywhere\" does not exist"
            ),
            "{refused:#?}"
        );
        assert!(
            refused[1].starts_with("grant to `no_such_role_anywhere` on table `secrets`"),
            "{refused:#?}"
        );
        assert!(
            refused[2].starts_with("view `broken`: relation \"no_such_table\" does not exist"),
            "{refused:#?}"
        );
    }
}

#[allow(dead_code)]
mod widths {
    use schema_core::prelude::*;

    #[table(name = "small_ids")]
    #[derive(Debug)]
    pub struct SmallId {
        #[column(primary_key, identity)]
        pub id: i16,
    }

    #[table(name = "int_ids")]
    #[derive(Debug)]
    pub struct IntId {
        #[column(primary_key, identity = always)]
        pub id: i32,
    }

    #[table(name = "big_ids")]
    #[derive(Debug)]
    pub struct BigId {
        #[column(primary_key, identity = always)]
        pub id: i64,
    }

    pub fn schema() -> Schema {
        Schema::new()
            .table::<SmallId>()
            .table::<IntId>()
            .table::<BigId>()
    }
}

/// Identity keys of every integer width keep their width through the migration, `check` and
/// `pull` (a `bigint` identity is a `bigint`, an `i64` when pulled), on every server.
#[tokio::test]
async fn identity_columns_keep_their_width() {
    use schema_core::migrate::pull;
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql(
                "0000_widths",
                &render::create_all(&widths::schema()),
            ))
            .await
            .unwrap();
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &widths::schema())
            .await
            .unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        for (table, printed, identity) in [
            ("public.small_ids", "smallint", 'd'),
            ("public.int_ids", "integer", 'a'),
            ("public.big_ids", "bigint", 'a'),
        ] {
            let id = &live.tables[table].columns[0];
            assert_eq!(
                (id.type_name.as_str(), id.identity),
                (printed, Some(identity)),
                "{table}"
            );
        }
        let (pulled, _) = pull::schema_of(&live);
        let widths: Vec<(String, SqlType)> = pulled
            .tables
            .iter()
            .map(|t| (t.name.to_string(), t.columns[0].sql_type.clone()))
            .collect();
        assert_eq!(
            widths,
            [
                ("big_ids".to_string(), SqlType::BigInt),
                ("int_ids".to_string(), SqlType::Integer),
                ("small_ids".to_string(), SqlType::SmallInt),
            ]
        );
        // A row of nothing but a computed key: `DEFAULT VALUES`, one at a time and many (each
        // row inserted: `DEFAULT VALUES` is one row).
        let (sql, _) =
            widths::SmallId::insert_many([widths::NewSmallId::new(), widths::NewSmallId::new()])
                .sql();
        assert_eq!(
            sql,
            r#"INSERT INTO "small_ids" ("id") VALUES (DEFAULT), (DEFAULT)"#
        );
        let db = Db::new(client);
        let first = widths::BigId::insert(widths::NewBigId::new())
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(first.id, 1);
        let many =
            widths::SmallId::insert_many([widths::NewSmallId::new(), widths::NewSmallId::new()])
                .returning()
                .all(&db)
                .await
                .unwrap();
        assert_eq!(many.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 2]);
        let code = pull::rust_files(&pulled, &Default::default());
        let big = &code
            .iter()
            .find(|(file, _)| file == "big_ids_table.rs")
            .unwrap()
            .1;
        assert!(
            big.contains("#[column(primary_key, identity = always)]\n    pub id: i64,"),
            "{big}"
        );
    }
}

/// Domains: a newtype column whose values the domain's checks guard (a refused value is a typed
/// check violation naming the constraint), read back as the newtype, nullable or not.
#[tokio::test]
async fn domains_guard_their_values() {
    use schema_tests::column_types::{subscribers, EmailAddress, NewSubscriber, Subscriber};
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let (_test_db, db) = migrated(target).await;
        let ada = Subscriber::insert(
            NewSubscriber::new()
                .email(EmailAddress("ada@example.com".into()))
                .backup(Some(EmailAddress("lovelace@example.org".into()))),
        )
        .returning()
        .one(&db)
        .await
        .unwrap();
        assert_eq!(ada.email, EmailAddress("ada@example.com".into()));
        let found = Subscriber::select()
            .filter(subscribers::email.eq(EmailAddress("ada@example.com".into())))
            .one(&db)
            .await
            .unwrap();
        assert_eq!(found, ada);
        let refused =
            Subscriber::insert(NewSubscriber::new().email(EmailAddress("not an address".into())))
                .execute(&db)
                .await
                .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "check constraint \"email_address_check\" of domain \"public.email_address\" refused the value"
        );
        let Error::CheckViolation(violation) = &refused else {
            panic!("{refused:?}")
        };
        assert_eq!(violation.domain.as_deref(), Some("public.email_address"));
        let too_long = Subscriber::insert(
            NewSubscriber::new().email(EmailAddress(format!("{}@x.io", "a".repeat(300)))),
        )
        .execute(&db)
        .await
        .unwrap_err();
        assert!(
            too_long.to_string().contains("email_not_too_long"),
            "{too_long}"
        );
        // Domains over `char(2)` and over an array: written, read back, guarded, and many rows
        // at once.
        use schema_tests::column_types::{CountryCode, TagList};
        let rows = Subscriber::insert_many(vec![
            NewSubscriber::new()
                .email(EmailAddress("b@x.io".into()))
                .country(Some(CountryCode("FR".into())))
                .tags(TagList(vec!["a".into(), "b".into()])),
            NewSubscriber::new().email(EmailAddress("c@x.io".into())),
        ])
        .returning()
        .all(&db)
        .await
        .unwrap();
        assert_eq!(rows[0].country, Some(CountryCode("FR".into())));
        assert_eq!(rows[0].tags, TagList(vec!["a".into(), "b".into()]));
        assert_eq!(rows[1].tags, TagList(vec!["new".into()]), "the default");
        let empty = Subscriber::insert(
            NewSubscriber::new()
                .email(EmailAddress("d@x.io".into()))
                .tags(TagList(Vec::new())),
        )
        .execute(&db)
        .await
        .unwrap_err();
        assert_eq!(
            empty.to_string(),
            "check constraint \"tag_list_check\" of domain \"public.tag_list\" refused the value"
        );
        let lower = Subscriber::insert(
            NewSubscriber::new()
                .email(EmailAddress("e@x.io".into()))
                .country(Some(CountryCode("fr".into()))),
        )
        .execute(&db)
        .await
        .unwrap_err();
        assert!(lower.to_string().contains("country_code_check"), "{lower}");

        // A NOT NULL domain's refusal names the domain (there is no table or column).
        schema_core::exec::raw_execute(&db, "CREATE DOMAIN code_word AS text NOT NULL", &[])
            .await
            .unwrap();
        let null = schema_core::exec::raw_execute(&db, "SELECT NULL::code_word", &[])
            .await
            .unwrap_err();
        assert_eq!(
            null.to_string(),
            "domain \"public.code_word\" does not allow NULL"
        );
    }
}

#[allow(dead_code)]
mod d1 {
    use schema_core::prelude::*;

    #[domain(name = "slug", check = "VALUE ~ '^[a-z-]+$'")]
    #[derive(Debug)]
    pub struct Slug(pub String);

    #[table(name = "pages")]
    #[derive(Debug)]
    pub struct Page {
        #[column(primary_key)]
        pub slug: Slug,
    }
}

#[allow(dead_code)]
mod d2 {
    use schema_core::prelude::*;

    /// Another check, and NOT NULL.
    #[domain(
        name = "slug",
        not_null,
        check = "VALUE ~ '^[a-z0-9-]+$'",
        check = "length(VALUE) < 80"
    )]
    #[derive(Debug)]
    pub struct Slug(pub String);

    #[table(name = "pages")]
    #[derive(Debug)]
    pub struct Page {
        #[column(primary_key)]
        pub slug: Slug,
    }
}

/// The diff of a domain: checks dropped and added by name, NOT NULL set, in place (the columns
/// keep their values); applied on every server with a row: no drift.
#[tokio::test]
async fn domains_change_in_place() {
    use schema_core::migrate::{diff, diff_sql, DiffOptions};
    let v1 = Schema::new().table::<d1::Page>();
    let v2 = Schema::new().table::<d2::Page>();
    let plan = diff::diff(&v1, &v2, DiffOptions::default()).unwrap();
    let sql = diff_sql("0001_slug", &plan.steps, false);
    insta::assert_snapshot!("domains_d1_to_d2", sql);
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&migration_sql("0000_pages", &render::create_all(&v1)))
            .await
            .unwrap();
        client
            .batch_execute("INSERT INTO pages VALUES ('hello-world')")
            .await
            .unwrap();
        client
            .batch_execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("on {}: {e:?}", target.describe()));
        let live = Catalog::read(&client).await.unwrap();
        let expected = Catalog::expected_on(&client, &v2).await.unwrap();
        assert_eq!(
            expected.differences(&live),
            Vec::<String>::new(),
            "on {}",
            target.describe()
        );
        assert!(live.domains["public.slug"].not_null);
    }
}
