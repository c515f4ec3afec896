use example_app::schema::*;
use schema_core::prelude::*;

#[view(name = "owner_totals", inline)]
pub struct OwnerTotal {
    pub owner_id: Uuid,
    pub projects: i64,
}

fn main() {
    // The count comes first, the owner second: not the struct's order.
    let _ = OwnerTotal::query(
        Project::select()
            .columns((count_star(), projects::owner_id))
            .group_by(projects::owner_id),
    );
}
