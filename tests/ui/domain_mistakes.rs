use schema_core::prelude::*;

#[domain(name = "email_address", chek = "VALUE ~ '@'")]
pub struct Email(pub String);

#[domain]
pub struct Pair(pub String, pub String);

fn main() {}
