use example_app::schema::*;
use schema_core::prelude::*;

async fn rename_everything(db: &Db) -> Result<u64, Error> {
    Project::update().set(projects::name, "same for all").execute(db).await
}

fn main() {
    let _ = rename_everything;
}
