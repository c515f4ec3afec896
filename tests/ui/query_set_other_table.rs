use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    let _ = Project::update().set(users::email, "x@example.com").all_rows();
}
