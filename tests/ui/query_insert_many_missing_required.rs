use example_app::schema::*;
use schema_core::prelude::*;

async fn add(db: &Db) -> Result<u64, Error> {
    // `name` is NOT NULL without a default.
    let rows = ["a@example.com", "b@example.com"].map(|email| NewUser::new().email(email));
    User::insert_many(rows).execute(db).await
}

fn main() {
    let _ = add;
}
