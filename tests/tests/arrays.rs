//! Array operators (issue 12): `@>`, `<@`, `&&` and `= ANY`, typed, on a real database.

use schema_core::prelude::*;
use schema_core::testing::{self, TestDb};

#[table(name = "posts")]
#[derive(Debug, Clone, PartialEq)]
pub struct Post {
    #[column(primary_key, identity)]
    pub id: i64,
    pub title: String,
    pub tags: Vec<String>,
    pub scores: Option<Vec<i32>>,
}

#[test]
fn the_sql_of_array_operators() {
    let tags = || vec!["rust".to_string()];
    let cases = [
        Post::select()
            .filter(posts::tags.array_contains(tags()))
            .sql()
            .0,
        Post::select()
            .filter(posts::tags.array_contained_by(tags()))
            .sql()
            .0,
        Post::select()
            .filter(posts::scores.array_overlaps(vec![1, 2]))
            .sql()
            .0,
        Post::select().filter(posts::tags.array_has("rust")).sql().0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn array_operators_find_their_rows() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&schema_core::migrate::migration_sql(
                "0000_posts",
                &schema_core::migrate::render::create_all(&Schema::new().table::<Post>()),
            ))
            .await
            .unwrap();
        let db = Db::new(client);
        for (title, tags, scores) in [
            ("a", vec!["rust", "sql"], Some(vec![1, 2])),
            ("b", vec!["rust"], Some(vec![3])),
            ("c", vec!["go"], None),
        ] {
            Post::insert(
                NewPost::new()
                    .title(title)
                    .tags(tags.into_iter().map(String::from).collect::<Vec<_>>())
                    .scores(scores),
            )
            .execute(&db)
            .await
            .unwrap();
        }
        let titles = async |filter: Expr<Post, bool>| -> Vec<String> {
            Post::select()
                .filter(filter)
                .order_by(posts::title)
                .columns(posts::title)
                .all(&db)
                .await
                .unwrap()
        };
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            titles(posts::tags.array_contains(strings(&["rust", "sql"]))).await,
            ["a"]
        );
        assert_eq!(
            titles(posts::tags.array_contained_by(strings(&["rust", "go"]))).await,
            ["b", "c"]
        );
        assert_eq!(
            titles(posts::scores.array_overlaps(vec![2, 3])).await,
            ["a", "b"],
            "a NULL array overlaps nothing"
        );
        assert_eq!(titles(posts::tags.array_has("rust")).await, ["a", "b"]);
    }
}
