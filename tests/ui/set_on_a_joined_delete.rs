use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // A delete sets nothing: `set` is for `update().from::<…>(…)`.
    let _ = Project::delete()
        .using::<User>(projects::owner_id.eq(users::id))
        .set(projects::name, "gone");
}
