use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // `name` is NOT NULL without a default.
    let _ = User::insert(NewUser::new().email("a@example.com"));
}
