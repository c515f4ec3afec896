use schema_core::prelude::*;

#[view(name = "owner_totals", inline, sql = "SELECT owner_id, count(*) FROM projects GROUP BY 1")]
pub struct OwnerTotal {
    pub owner_id: Uuid,
    pub projects: i64,
}

fn main() {}
