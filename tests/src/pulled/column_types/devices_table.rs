//! Table `devices`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[table(name = "devices", has_many(device_logs, by = device_logs::device_id))]
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    #[column(primary_key, identity)]
    pub id: i64,
    pub firmware: Vec<u8>,
    pub signature: Option<Vec<u8>>,
    pub address: std::net::IpAddr,
    // needs schema-core's `net` feature.
    pub network: schema_core::cidr::IpCidr,
    pub gateway: Option<std::net::IpAddr>,
    // needs schema-core's `net` feature.
    pub mac: schema_core::eui48::MacAddress,
    pub poll_every: schema_core::types::Interval,
    pub quiet_from: schema_core::chrono::NaiveTime,
    // needs schema-core's `decimal` feature.
    #[column(numeric(12, 4))]
    pub price: rust_decimal::Decimal,
    pub settings: schema_core::serde_json::Value,
    pub history: Vec<schema_core::serde_json::Value>,
    pub ports: Vec<Port>,
    pub dns: Vec<std::net::IpAddr>,
    #[column(sql_type = "json")]
    pub raw: Option<schema_core::serde_json::Value>,
}
