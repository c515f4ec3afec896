use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // A ninth relation side by side.
    let _ = User::select()
        .with(users::projects)
        .with(users::projects)
        .with(users::projects)
        .with(users::projects)
        .with(users::projects)
        .with(users::projects)
        .with(users::projects)
        .with(users::projects)
        .with(users::usage);
    // Seventeen columns in one tuple.
    let (a, b, c) = (users::id, users::email, users::name);
    let _ = User::select().columns((a, b, c, a, b, c, a, b, c, a, b, c, a, b, c, a, b));
}
