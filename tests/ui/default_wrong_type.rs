use schema_core::prelude::*;

#[pg_enum]
pub enum Mood {
    Happy,
    Sad,
}

#[pg_enum]
pub enum Color {
    Red,
}

#[table(name = "notes")]
pub struct Note {
    #[column(primary_key, default = random)]
    pub id: i64,
    #[column(default = 42)]
    pub body: String,
    #[column(default = "yes")]
    pub pinned: bool,
    #[column(default = Color::Red)]
    pub mood: Mood,
    #[column(default = now)]
    pub title: String,
    #[column(default = nextval("note_numbers"))]
    pub code: String,
}

fn main() {}
