use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // Arithmetic on text.
    let _ = User::select().columns(users::email.add(1));
    // `date_trunc` on text.
    let _ = User::select().columns(users::name.date_trunc(TimeUnit::Month));
}
