use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // `projects::owner` is a relation of `Project`, not of `User`.
    let _ = User::select().with(projects::owner);
}
