use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    let _ = Project::select().for_update().of::<Message, _>();
}
