//! The database's domains, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[domain(
    name = "country_code",
    char(2),
    check = "((VALUE ~ '^[A-Z]{2}$'::text))"
)]
#[derive(Debug, Clone, PartialEq)]
pub struct CountryCode(pub String);

#[domain(
    name = "email_address",
    check = "((VALUE ~ '^[^@ ]+@[^@ ]+$'::text))",
    check(name = "email_not_too_long", sql = "((length(VALUE) <= 254))")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct EmailAddress(pub String);

#[domain(name = "tag_list", not_null, check = "((cardinality(VALUE) > 0))")]
#[derive(Debug, Clone, PartialEq)]
pub struct TagList(pub Vec<String>);
