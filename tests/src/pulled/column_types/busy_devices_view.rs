//! View `busy_devices`, pulled by `gen-migrations pull`.

#![allow(unused_imports)]

use super::*;
use schema_core::prelude::*;

#[view(
    materialized,
    sql = "SELECT device_summaries.id,\n    device_summaries.logs\n   FROM device_summaries\n  WHERE (device_summaries.logs > 0);",
    name = "busy_devices",
    index(name = "busy_devices_id_idx", on(id), unique)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct BusyDevice {
    pub id: Option<i64>,
    pub logs: Option<i64>,
}
