use schema_core::prelude::*;

#[view(name = "adults", sql = "SELECT id FROM accounts WHERE age >= 18")]
pub struct Adult {
    pub id: i64,
}

async fn misuse(db: &Db) {
    // A plain view has nothing to refresh.
    let _ = Adult::refresh(db).await;
    // A view is never written.
    let _ = Adult::update();
}

fn main() {
    let _ = misuse;
}
