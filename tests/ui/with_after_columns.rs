use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // A relation after chosen columns goes among them.
    let _ = User::select()
        .columns((users::id, users::name))
        .with(users::projects);
}
