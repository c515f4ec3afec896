use example_app::schema::*;
use schema_core::prelude::*;

async fn per_model(db: &Db) -> Result<Vec<(String, i64)>, Error> {
    // `model` beside `count(*)` with no GROUP BY: PostgreSQL would refuse it at run time.
    AiUsageLog::select()
        .columns((ai_usage_log::model, count_star()))
        .all(db)
        .await
}

async fn per_model_grouped(db: &Db) -> Result<Vec<(String, i64)>, Error> {
    // The right form, and aggregates alone need no grouping.
    let _total: i64 = AiUsageLog::select().columns(count_star()).one(db).await?;
    AiUsageLog::select()
        .columns((ai_usage_log::model, count_star()))
        .group_by(ai_usage_log::model)
        .all(db)
        .await
}

fn main() {
    let _ = (per_model, per_model_grouped);
}
