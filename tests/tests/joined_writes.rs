//! Writes beyond one table's rows (issue 12): upserts with `WHERE` (a partial unique index's
//! predicate, and which conflicting rows to update), `INSERT … SELECT`, `UPDATE … FROM` and
//! `DELETE … USING` (soft and hard), each with its SQL reviewed and run on every server.

use schema_core::prelude::*;
use schema_core::query::Insert;
use schema_core::testing::{self, TestDb};

#[table(name = "clubs")]
#[derive(Debug, Clone, PartialEq)]
pub struct Club {
    #[column(primary_key, identity)]
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// Members of clubs; an email is unique among the members not deleted.
#[table(
    name = "members",
    soft_delete = deleted_at,
    index(on(email), unique, where = "deleted_at IS NULL")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(references = clubs::id)]
    pub club_id: i64,
    pub email: String,
    pub visits: i32,
    pub note: Option<String>,
    pub deleted_at: Option<TimestampTz>,
    #[column(default = now, on_update = now)]
    pub updated_at: Timestamp,
}

/// Where members' emails are copied to.
#[table(name = "mailing_list")]
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    #[column(primary_key)]
    pub email: String,
    pub club: Option<String>,
    pub visits: i64,
}

fn schema() -> Schema {
    Schema::new()
        .table::<Club>()
        .table::<Member>()
        .table::<Subscriber>()
}

fn upsert_visit(email: &str, visits: i32) -> Insert<Member> {
    Member::insert(NewMember::new().club_id(1).email(email).visits(visits))
        .on_conflict_where(members::email, members::deleted_at.is_null())
        .do_update(
            members::visits,
            members::visits.add(excluded(members::visits)),
        )
        .update_where(members::visits.lt(100))
}

#[test]
fn the_sql_of_joined_writes() {
    let cases = [
        upsert_visit("a@x.io", 1).sql().0,
        Subscriber::insert_select(
            (mailing_list::email, mailing_list::visits),
            Member::select()
                .filter(members::visits.gt(0))
                .columns((members::email, members::visits.cast::<i64>())),
        )
        .on_conflict(mailing_list::email)
        .do_nothing()
        .sql()
        .0,
        Member::update()
            .from::<Club>(members::club_id.eq(clubs::id))
            .set(members::note, clubs::name)
            .filter(clubs::active.eq(false))
            .sql()
            .0,
        Member::delete()
            .using::<Club>(members::club_id.eq(clubs::id))
            .filter(clubs::name.eq("closed"))
            .sql()
            .0,
        Member::hard_delete()
            .using::<Club>(members::club_id.eq(clubs::id))
            .filter(clubs::name.eq("closed"))
            .returning_columns((members::email, clubs::name))
            .sql()
            .0
            .to_string(),
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn joined_writes_touch_the_rows_they_name() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&schema_core::migrate::migration_sql(
                "0000_members",
                &schema_core::migrate::render::create_all(&schema()),
            ))
            .await
            .unwrap();
        let db = Db::new(client);
        for (name, active) in [("chess", true), ("closed", false)] {
            Club::insert(NewClub::new().name(name).active(active))
                .execute(&db)
                .await
                .unwrap();
        }

        // Upsert on a partial unique index: a second visit adds up, until 100.
        let first = upsert_visit("a@x.io", 60)
            .returning()
            .one(&db)
            .await
            .unwrap();
        let second = upsert_visit("a@x.io", 60)
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_eq!(
            (first.id, first.visits, second.visits),
            (second.id, 60, 120)
        );
        let third = upsert_visit("a@x.io", 1)
            .returning()
            .optional(&db)
            .await
            .unwrap();
        assert_eq!(
            third, None,
            "120 is not under 100: the row is left, and not returned"
        );
        // A deleted member's email is free again (the index covers live rows only).
        Member::delete()
            .filter(members::id.eq(first.id))
            .execute(&db)
            .await
            .unwrap();
        let again = upsert_visit("a@x.io", 5)
            .returning()
            .one(&db)
            .await
            .unwrap();
        assert_ne!(again.id, first.id);
        assert_eq!(again.visits, 5);
        for (club, email, visits) in [(2_i64, "b@x.io", 0), (2, "c@x.io", 7)] {
            Member::insert(NewMember::new().club_id(club).email(email).visits(visits))
                .execute(&db)
                .await
                .unwrap();
        }

        // INSERT … SELECT, with an upsert: members who visited, once each.
        let copy = || {
            Subscriber::insert_select(
                (mailing_list::email, mailing_list::visits),
                Member::select()
                    .filter(members::visits.gt(0))
                    .order_by(members::email)
                    .columns((members::email, members::visits.cast::<i64>())),
            )
            .on_conflict(mailing_list::email)
            .do_nothing()
        };
        assert_eq!(copy().execute(&db).await.unwrap(), 2);
        assert_eq!(copy().execute(&db).await.unwrap(), 0, "already there");
        let subscribers = Subscriber::select()
            .order_by(mailing_list::email)
            .all(&db)
            .await
            .unwrap();
        let emails: Vec<(&str, i64)> = subscribers
            .iter()
            .map(|s| (s.email.as_str(), s.visits))
            .collect();
        assert_eq!(emails, [("a@x.io", 5), ("c@x.io", 7)], "live members only");

        // UPDATE … FROM: a value read from the other table, a filter on it.
        let noted = Member::update()
            .from::<Club>(members::club_id.eq(clubs::id))
            .set(members::note, clubs::name)
            .filter(clubs::active.eq(false))
            .returning_columns((members::email, members::note, clubs::active))
            .all(&db)
            .await
            .unwrap();
        let mut noted: Vec<(String, Option<String>, bool)> = noted;
        noted.sort();
        assert_eq!(
            noted,
            [
                ("b@x.io".to_string(), Some("closed".to_string()), false),
                ("c@x.io".to_string(), Some("closed".to_string()), false),
            ]
        );
        // The same with mailing_list's own columns, named alike in both tables.
        Subscriber::update()
            .from::<Member>(mailing_list::email.eq(members::email))
            .set(mailing_list::club, members::note)
            .all_rows()
            .execute(&db)
            .await
            .unwrap();
        let clubs: Vec<Option<String>> = Subscriber::select()
            .order_by(mailing_list::email)
            .columns(mailing_list::club)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(clubs, [None, Some("closed".to_string())]);

        // DELETE … USING on a soft-delete table: a soft delete of the closed club's members.
        let gone = Member::delete()
            .using::<Club>(members::club_id.eq(clubs::id))
            .filter(clubs::name.eq("closed"))
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(gone, 2);
        let live: Vec<String> = Member::select()
            .order_by(members::email)
            .columns(members::email)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(live, ["a@x.io"]);
        // And restored, then hard-deleted for good.
        let back = Member::restore()
            .using::<Club>(members::club_id.eq(clubs::id))
            .filter(clubs::name.eq("closed"))
            .execute(&db)
            .await
            .unwrap();
        assert_eq!(back, 2);
        let removed = Member::hard_delete()
            .using::<Club>(members::club_id.eq(clubs::id))
            .filter(clubs::name.eq("closed"))
            .returning_columns((members::email, clubs::name))
            .all(&db)
            .await
            .unwrap();
        assert_eq!(removed.len(), 2);
        assert!(removed.iter().all(|(_, club)| club == "closed"));
        let all: i64 = Member::select().with_deleted().count(&db).await.unwrap();
        assert_eq!(
            all, 2,
            "the chess club's two rows (one soft-deleted) are left"
        );
    }
}
