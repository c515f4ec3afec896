use example_app::schema::*;
use schema_core::prelude::*;

async fn add(db: &Db) -> Result<User, Error> {
    // `name` is NOT NULL without a default.
    User::insert(NewUser::new().email("a@example.com"))
        .returning()
        .one(db)
        .await
}

fn main() {
    let _ = add;
}
