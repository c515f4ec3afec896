use schema_core::prelude::*;

/// `varchar` on a number, and a length PostgreSQL does not take.
#[domain(name = "quantity", varchar(20))]
pub struct Quantity(pub i32);

#[domain(name = "code", varchar(0))]
pub struct Code(pub String);

fn main() {}
