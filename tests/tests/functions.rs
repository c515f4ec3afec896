//! Functions and operators (issue 12): arithmetic, CAST, COALESCE, NULLIF, GREATEST/LEAST,
//! CASE, text and date functions, more aggregates and window functions, each typed as
//! PostgreSQL types it, with its SQL reviewed and its values read back from every server.

use schema_core::prelude::*;
use schema_core::testing::{self, TestDb};

#[table(name = "sales")]
#[derive(Debug, Clone, PartialEq)]
pub struct Sale {
    #[column(primary_key, identity)]
    pub id: i64,
    pub customer: String,
    pub region: Option<String>,
    pub quantity: i32,
    pub discount: Option<i32>,
    pub price: f64,
    pub paid: bool,
    pub sold_at: Timestamp,
}

fn at(day: u32, hour: u32) -> Timestamp {
    chrono::NaiveDate::from_ymd_opt(2026, 3, day)
        .unwrap()
        .and_hms_opt(hour, 30, 0)
        .unwrap()
}

#[test]
fn the_sql_of_functions() {
    let cases = [
        Sale::select()
            .columns((
                sales::quantity.mul(2).add(sales::discount),
                sales::price.sub(1.5).div(2.0),
                sales::quantity.cast::<f64>(),
                sales::discount.coalesce(0),
                sales::region.null_if("none"),
                sales::quantity.greatest(3).least(sales::discount),
            ))
            .sql()
            .0,
        Sale::select()
            .columns((
                sales::customer.lower(),
                sales::customer.upper().trim(),
                sales::region.char_length(),
                sales::customer.concat("!"),
                sales::sold_at.date_trunc(TimeUnit::Month),
                sales::sold_at.extract(DatePart::IsoDayOfWeek),
            ))
            .sql()
            .0,
        Sale::select()
            .columns((
                case_when(sales::quantity.gt(10), "bulk")
                    .when(sales::quantity.gt(1), "some")
                    .otherwise("one"),
                case_when(sales::paid.eq(true), sales::price).end(),
            ))
            .sql()
            .0,
        Sale::select()
            .columns((
                sales::customer,
                sales::region.count_distinct(),
                sales::quantity.mul(sales::price.cast::<i32>()).sum_of(),
                sales::region.string_agg(", "),
                sales::paid.bool_and(),
                sales::quantity.array_agg(),
            ))
            .group_by(sales::customer)
            .sql()
            .0,
        Sale::select()
            .columns((
                sales::id,
                row_number().over(
                    Window::new()
                        .partition_by(sales::customer)
                        .order_by(sales::quantity.desc()),
                ),
                rank().over(Window::new().order_by(sales::price)),
                sales::quantity
                    .lag()
                    .over(Window::new().order_by(sales::sold_at.asc().nulls_last())),
                sales::quantity
                    .sum()
                    .over(Window::new().partition_by(sales::customer)),
            ))
            .sql()
            .0,
    ];
    insta::assert_snapshot!(cases.join("\n"));
}

#[tokio::test]
async fn functions_compute_what_postgres_computes() {
    for target in testing::targets().expect("a PostgreSQL to test on") {
        let test_db = TestDb::on(target).await.unwrap();
        let client = test_db.connect().await.unwrap();
        client
            .batch_execute(&schema_core::migrate::migration_sql(
                "0000_sales",
                &schema_core::migrate::render::create_all(&Schema::new().table::<Sale>()),
            ))
            .await
            .unwrap();
        let db = Db::new(client);
        let rows = [
            ("Ada", Some("north"), 12, Some(2), 2.5, true, at(2, 9)),
            ("Ada", Some("none"), 3, None, 10.0, true, at(9, 10)),
            ("Bob", None, 1, Some(0), 4.0, false, at(16, 11)),
            ("bob ", Some("south"), 5, None, 7.25, true, at(31, 23)),
        ];
        for (customer, region, quantity, discount, price, paid, sold_at) in rows {
            let row = NewSale::new()
                .customer(customer)
                .region(region.map(str::to_string))
                .quantity(quantity)
                .discount(discount)
                .price(price)
                .paid(paid)
                .sold_at(sold_at);
            Sale::insert(row).execute(&db).await.unwrap();
        }

        // Arithmetic: NULL in, NULL out; integer division truncates.
        let numbers: Vec<(Option<i32>, f64, i32, f64, i32, i32)> = Sale::select()
            .columns((
                sales::discount.add(sales::quantity.mul(2)),
                sales::price.sub(1.5).div(2.0),
                sales::quantity.div(2),
                sales::quantity.cast::<f64>(),
                sales::discount.coalesce(-1),
                sales::quantity.greatest(3).least(sales::discount),
            ))
            .order_by(sales::id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            numbers,
            [
                (Some(26), 0.5, 6, 12.0, 2, 2),
                (None, 4.25, 1, 3.0, -1, 3),
                (Some(2), 1.25, 0, 1.0, 0, 0),
                (None, 2.875, 2, 5.0, -1, 5),
            ]
        );

        // Text: a NULL region stays NULL through lower and char_length; concat never is.
        type Texts = (String, String, Option<i32>, String, Option<String>);
        let texts: Vec<Texts> = Sale::select()
            .columns((
                sales::customer.lower(),
                sales::customer.upper().trim(),
                sales::region.char_length(),
                sales::customer.concat(sales::region.coalesce("?")),
                sales::region.null_if("none"),
            ))
            .order_by(sales::id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            texts,
            [
                (
                    "ada".into(),
                    "ADA".into(),
                    Some(5),
                    "Adanorth".into(),
                    Some("north".into())
                ),
                ("ada".into(), "ADA".into(), Some(4), "Adanone".into(), None),
                ("bob".into(), "BOB".into(), None, "Bob?".into(), None),
                (
                    "bob ".into(),
                    "BOB".into(),
                    Some(5),
                    "bob south".into(),
                    Some("south".into())
                ),
            ]
        );

        // Dates: truncation keeps the type; extract reads a field as a double.
        let dates: Vec<(Timestamp, f64, f64, f64)> = Sale::select()
            .columns((
                sales::sold_at.date_trunc(TimeUnit::Week),
                sales::sold_at.extract(TimeUnit::Day),
                sales::sold_at.extract(DatePart::IsoDayOfWeek),
                sales::sold_at.extract(TimeUnit::Hour),
            ))
            .order_by(sales::id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            dates[0],
            (at(2, 0) - chrono::Duration::minutes(30), 2.0, 1.0, 9.0)
        );
        assert_eq!(dates[3].1, 31.0);
        assert_eq!(dates[3].2, 2.0, "2026-03-31 is a Tuesday");

        // CASE: every branch's value is a bound parameter of its type.
        let sizes: Vec<(String, Option<f64>)> = Sale::select()
            .columns((
                case_when(sales::quantity.gt(10), "bulk")
                    .when(sales::quantity.gt(1), "some")
                    .otherwise("one"),
                case_when(sales::paid.eq(true), sales::price).end(),
            ))
            .order_by(sales::id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            sizes,
            [
                ("bulk".into(), Some(2.5)),
                ("some".into(), Some(10.0)),
                ("one".into(), None),
                ("some".into(), Some(7.25)),
            ]
        );

        // More aggregates, per customer (lower-cased and trimmed: "Bob" and "bob " together).
        type Totals = (
            String,
            i64,
            Option<f64>,
            Option<String>,
            Option<bool>,
            Option<Vec<i32>>,
        );
        let totals: Vec<Totals> = Sale::select()
            .columns((
                sales::customer.lower().trim(),
                sales::region.count_distinct(),
                sales::price.mul(sales::quantity.cast::<f64>()).sum_of(),
                sales::region.string_agg("|"),
                sales::paid.bool_and(),
                sales::quantity.array_agg(),
            ))
            .group_by(sales::customer.lower().trim())
            .order_by(sales::customer.lower().trim())
            .all(&db)
            .await
            .unwrap();
        assert_eq!(totals.len(), 2);
        assert_eq!(totals[0].0, "ada");
        assert_eq!(totals[0].1, 2);
        assert_eq!(totals[0].2, Some(60.0));
        let mut regions: Vec<&str> = totals[0].3.as_deref().unwrap().split('|').collect();
        regions.sort();
        assert_eq!(regions, ["none", "north"]);
        assert_eq!(totals[0].4, Some(true));
        assert_eq!(totals[1].1, 1, "a NULL region is not counted");
        assert_eq!(totals[1].3.as_deref(), Some("south"));
        assert_eq!(totals[1].4, Some(false));
        let mut quantities = totals[1].5.clone().unwrap();
        quantities.sort();
        assert_eq!(quantities, [1, 5]);

        // Window functions beside plain columns, with no GROUP BY.
        type Ranked = (i64, i64, i64, Option<i32>, Option<i64>);
        let ranked: Vec<Ranked> = Sale::select()
            .columns((
                sales::id,
                row_number().over(
                    Window::new()
                        .partition_by(sales::customer)
                        .order_by(sales::quantity.desc()),
                ),
                rank().over(Window::new().order_by(sales::paid)),
                sales::quantity
                    .lag()
                    .over(Window::new().order_by(sales::sold_at)),
                sales::quantity
                    .sum()
                    .over(Window::new().partition_by(sales::customer)),
            ))
            .order_by(sales::id)
            .all(&db)
            .await
            .unwrap();
        assert_eq!(
            ranked,
            [
                (1, 1, 2, None, Some(15)),
                (2, 2, 2, Some(12), Some(15)),
                (3, 1, 1, Some(3), Some(1)),
                (4, 1, 2, Some(1), Some(5)),
            ]
        );
    }
}
