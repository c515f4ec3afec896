//! Table `device_logs`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "device_logs")]
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceLog {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(references(devices::id, on_delete = cascade), relation = device)]
    pub device_id: i64,
    pub peer: std::net::IpAddr,
    pub took: schema_core::types::Interval,
    pub payload: Vec<u8>,
    pub detail: schema_core::serde_json::Value,
    pub ports: Vec<Port>,
}
