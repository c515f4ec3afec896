//! The database's enum types, pulled by `gen-migrations pull`.

use schema_core::prelude::*;

#[pg_enum(name = "port", rename_all = "verbatim")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    #[label = "ethernet"]
    Ethernet,
    #[label = "wifi"]
    Wifi,
    #[label = "serial"]
    Serial,
}
