use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    let _ = Project::select().filter(users::email.eq("x@example.com"));
}
