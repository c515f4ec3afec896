use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // `name` is text, `owner_id` a uuid: the selected values are in the other order.
    let _ = Project::insert_select(
        (projects::owner_id, projects::name),
        User::select().columns((users::name, users::id)),
    );
}
