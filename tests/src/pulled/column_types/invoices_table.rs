//! Table `invoices`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "invoices")]
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    #[column(primary_key, default = nextval("invoice_numbers"))]
    pub number: i64,
    #[column(default = nextval("billing.batches"))]
    pub batch: i16,
    pub amount: i64,
}
