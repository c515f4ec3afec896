//! The database's domains, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[domain(
    name = "email_address",
    check = "((VALUE ~ '^[^@ ]+@[^@ ]+$'::text))",
    check(name = "email_not_too_long", sql = "((length(VALUE) <= 254))")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct EmailAddress(pub String);
