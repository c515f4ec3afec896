//! jsonb operators (issue 12): reading inside documents and testing them, typed, with every key,
//! path and document a bound parameter.

use schema_core::prelude::*;
use schema_core::serde_json::{json, Value};
use schema_core::testing::{self, TestDb};

#[table(name = "events")]
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    #[column(primary_key, identity)]
    pub id: i64,
    pub name: String,
    pub payload: Value,
    pub extra: Option<Value>,
}

/// A name, a kind, a user object and the user's name, as read from one event.
type Read = (String, Option<String>, Option<Value>, Option<String>);

#[test]
fn the_sql_of_jsonb_operators() {
    let cases = [
        Event::select()
            .columns((
                events::payload.json_get("user"),
                events::payload.json_get_text("kind"),
                events::payload.json_path(&["user", "name"]),
                events::payload.json_path_text(&["tags", "0"]),
            ))
            .sql()
            .0,
        Event::select()
            .filter(
                events::payload
                    .json_contains(json!({"kind": "click"}))
                    .and(events::payload.json_has_key("user"))
                    .and(events::payload.json_has_any_key(&["a", "b"]))
                    .and(events::payload.json_has_all_keys(&["a", "b"]))
                    .and(events::payload.json_path_exists("$.tags[*] ? (@ == \"rust\")")),
            )
            .sql()
            .0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn jsonb_operators_read_and_find() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&schema_core::migrate::migration_sql(
                "0000_events",
                &schema_core::migrate::render::create_all(&Schema::new().table::<Event>()),
            ))
            .await
            .unwrap();
        let db = Db::new(client);
        for (name, payload) in [
            (
                "a",
                json!({"kind": "click", "user": {"name": "ada"}, "tags": ["rust", "sql"]}),
            ),
            (
                "b",
                json!({"kind": "view", "user": {"name": "bob"}, "tags": ["go"]}),
            ),
            ("c", json!({"kind": "click", "tags": []})),
        ] {
            Event::insert(NewEvent::new().name(name).payload(payload))
                .execute(&db)
                .await
                .unwrap();
        }
        let read: Vec<Read> = Event::select()
            .columns((
                events::name,
                events::payload.json_get_text("kind"),
                events::payload.json_get("user"),
                events::payload.json_path_text(&["user", "name"]),
            ))
            .order_by(events::name)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            read[0],
            (
                "a".to_string(),
                Some("click".to_string()),
                Some(json!({"name": "ada"})),
                Some("ada".to_string())
            )
        );
        assert_eq!(read[2].2, None, "no member `user`");

        let names = async |filter: Expr<Event, bool>| -> Vec<String> {
            Event::select()
                .filter(filter)
                .order_by(events::name)
                .columns(events::name)
                .all(&db)
                .await
                .unwrap()
        };
        assert_eq!(
            names(events::payload.json_contains(json!({"kind": "click"}))).await,
            ["a", "c"]
        );
        assert_eq!(
            names(events::payload.json_has_key("user")).await,
            ["a", "b"]
        );
        assert_eq!(
            names(events::payload.json_has_any_key(&["missing", "user"])).await,
            ["a", "b"]
        );
        assert_eq!(
            names(events::payload.json_has_all_keys(&["kind", "user", "tags"])).await,
            ["a", "b"]
        );
        assert_eq!(
            names(events::payload.json_path_exists("$.tags[*] ? (@ == \"rust\")")).await,
            ["a"]
        );
        // A key with a quote and a `?` is a parameter, never SQL.
        assert!(names(events::payload.json_has_key("it's ? here"))
            .await
            .is_empty());
    }
}
