use example_app::schema::*;
use schema_core::prelude::*;

async fn load(db: &Db) -> Result<(), Error> {
    // A user without projects has no project: the right side of a left join is an Option.
    let rows: Vec<(User, Project)> = User::select()
        .left_join::<Project>(projects::owner_id.eq(users::id))
        .all(db)
        .await?;
    let names: Vec<(String, String)> = User::select()
        .left_join::<Project>(projects::owner_id.eq(users::id))
        .columns((users::email, projects::name))
        .all(db)
        .await?;
    let _ = (rows, names);
    Ok(())
}

fn main() {
    let _ = load;
}
