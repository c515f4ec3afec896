use example_app::schema::*;
use schema_core::prelude::*;

fn main() {
    // Ordered by another table's column, bare and with a direction.
    let _ = Project::select().order_by(users::email);
    let _ = Project::select().order_by(users::email.desc());
}
