//! Table `subscribers`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "subscribers")]
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    #[column(primary_key, identity)]
    pub id: i64,
    pub email: EmailAddress,
    pub backup: Option<EmailAddress>,
    pub country: Option<CountryCode>,
    #[column(default = sql("(ARRAY['new'::text])::tag_list"))]
    pub tags: TagList,
}
