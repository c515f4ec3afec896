//! View `device_summaries`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[view(
    sql = "SELECT d.id,\n    d.address,\n    count(l.id) AS logs\n   FROM (devices d\n     LEFT JOIN device_logs l ON ((l.device_id = d.id)))\n  GROUP BY d.id;",
    name = "device_summaries"
)]
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSummary {
    pub id: Option<i64>,
    pub address: Option<std::net::IpAddr>,
    pub logs: Option<i64>,
}
