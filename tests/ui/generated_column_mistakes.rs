use schema_core::prelude::*;

#[table(name = "people")]
pub struct Person {
    #[column(primary_key)]
    pub id: i64,
    pub first: String,
    pub last: String,
    #[column(generated = "first || ' ' || last")]
    pub full_name: String,
    #[column(generated = "length(first)", default = 0)]
    pub first_length: i32,
}

async fn rename(db: &Db) -> Result<u64, Error> {
    Person::update()
        .set(people::full_name, "Ada Lovelace".to_string())
        .filter(people::id.eq(1))
        .execute(db)
        .await
}

fn main() {
    let _ = rename;
    // A generated column has no setter in the insert row.
    let _ = NewPerson::new().id(1).first("Ada").last("Lovelace").full_name("x");
}
