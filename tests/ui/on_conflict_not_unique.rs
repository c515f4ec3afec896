use schema_core::prelude::*;

#[table(name = "members", unique(on(team_id, email)))]
pub struct Member {
    #[column(primary_key, identity)]
    pub id: i64,
    pub team_id: i64,
    pub email: String,
    pub name: String,
}

async fn upsert(db: &Db) -> Result<u64, Error> {
    // `email` alone is not unique (only with `team_id`): no arbiter, an error at every insert.
    Member::insert(NewMember::new().team_id(1).email("a@x.io").name("A"))
        .on_conflict(members::email)
        .do_update(members::name, excluded(members::name))
        .execute(db)
        .await
}

async fn upsert_pair(db: &Db) -> Result<u64, Error> {
    // The right form: the pair is the unique key, in either order.
    Member::insert(NewMember::new().team_id(1).email("a@x.io").name("A"))
        .on_conflict((members::email, members::team_id))
        .do_nothing()
        .execute(db)
        .await
}

fn main() {
    let _ = (upsert, upsert_pair);
}
