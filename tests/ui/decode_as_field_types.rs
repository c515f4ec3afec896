use example_app::schema::*;
use schema_core::prelude::*;

#[derive(FromRow)]
pub struct WrongType {
    pub name: String,
    pub tokens: i64,
}

#[derive(FromRow)]
pub struct NotOption {
    pub name: String,
    pub owner_email: String,
}

#[derive(FromRow)]
pub struct OnlyId {
    pub id: Uuid,
}

fn main() {
    // `projects.owner_id` is a uuid, read into an `i64`.
    let _ = Project::select()
        .columns((projects::name, projects::owner_id))
        .decode_as::<WrongType>();
    // Every column of a left-joined table can be NULL: the field must be an `Option`.
    let _ = Project::select()
        .left_join::<User>(projects::owner_id.eq(users::id))
        .columns((projects::name, users::email.alias("owner_email")))
        .decode_as::<NotOption>();
    // One column, one field: the text `name` read into a `Uuid`.
    let _ = Project::select()
        .columns(projects::name)
        .decode_as::<OnlyId>();
    // Three columns, two fields.
    let _ = Project::select()
        .columns((projects::name, projects::owner_id, projects::status))
        .decode_as::<WrongType>();
}
