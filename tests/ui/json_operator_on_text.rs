use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    let _ = User::select().filter(users::email.json_has_key("a"));
}
