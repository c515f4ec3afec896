//! A table with a column of every type that has a Rust type here (`bytea`, `inet`, `cidr`,
//! `macaddr`, `interval`, `time`, `numeric`, typed `jsonb`, arrays of enums and of those types),
//! and a child table that relation loading reads them through.

use std::net::IpAddr;

use rust_decimal::Decimal;
use schema_core::chrono::NaiveTime;
use schema_core::cidr::{IpCidr, IpInet};
use schema_core::eui48::MacAddress;
use schema_core::prelude::*;
use schema_core::schema::{SequenceDef, SequenceType};
use serde::{Deserialize, Serialize};

/// Any serde type, stored as `jsonb` with no trait written for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub theme: String,
    pub retries: u8,
    pub tags: Vec<String>,
}

#[pg_enum]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Ethernet,
    Wifi,
    Serial,
}

#[table(name = "devices", has_many(logs, by = device_logs::device_id))]
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    #[column(primary_key, identity)]
    pub id: i64,
    pub firmware: Vec<u8>,
    pub signature: Option<Vec<u8>>,
    pub address: IpAddr,
    pub network: IpCidr,
    #[column(sql_type = "inet")]
    pub gateway: Option<IpInet>,
    pub mac: MacAddress,
    pub poll_every: Interval,
    pub quiet_from: NaiveTime,
    #[column(numeric(12, 4))]
    pub price: Decimal,
    pub settings: Json<Settings>,
    pub history: Vec<Json<Settings>>,
    pub ports: Vec<Port>,
    pub dns: Vec<IpAddr>,
    #[column(sql_type = "json")]
    pub raw: Option<schema_core::serde_json::Value>,
}

#[table(name = "device_logs")]
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceLog {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(references = devices::id, on_delete = cascade, relation = device)]
    pub device_id: i64,
    pub peer: IpAddr,
    pub took: Interval,
    pub payload: Vec<u8>,
    pub detail: Json<Settings>,
    pub ports: Vec<Port>,
}

pub fn schema() -> Schema {
    Schema::new()
        .table::<Device>()
        .table::<DeviceLog>()
        .table::<Ticket>()
        .table::<Person>()
        .table::<Invoice>()
        .table::<Document>()
        .table::<Article>()
        .table::<Subscriber>()
        .view::<BusyDevice>()
        .view::<DeviceSummary>()
        .view::<LongName>()
        .sequence(INVOICE_NUMBERS)
        .sequence(BATCHES)
}

static NEXT_CODE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// A client-side default (Drizzle's `$defaultFn`): a fresh code for each row that has none.
pub fn ticket_code() -> String {
    let n = NEXT_CODE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("T-{n:05}")
}

pub fn default_labels() -> Vec<String> {
    vec!["new".to_string()]
}

/// Support tickets.
///
/// One per request; `it's` quoted as it should be.
#[table(
    name = "tickets",
    comments,
    grant(select, to = "public"),
    grant(select, insert, update, to = "pg_write_all_data")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    /// The ticket's code, made by the client when none is given.
    #[column(primary_key, default_fn = ticket_code)]
    pub code: String,
    pub title: String,
    /// Nullable: the function returns the value without its `Option`.
    #[column(default_fn = default_labels)]
    pub labels: Option<Vec<String>>,
}

/// Generated columns: computed by the database, read like any other, never written.
#[table(name = "people", index(on(full_name)))]
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    #[column(primary_key, identity = always)]
    pub id: i64,
    pub first: String,
    pub last: String,
    #[column(generated = "first || ' ' || last")]
    pub full_name: String,
    #[column(generated = "length(last) * 2")]
    pub last_length: Option<i32>,
}

/// A sequence of its own, as an invoice number's default, owned by that column (dropped with it).
pub const INVOICE_NUMBERS: SequenceDef = SequenceDef::new("invoice_numbers")
    .start(1000)
    .increment(5)
    .cache(10)
    .owned_by("invoices", "number");

/// A small cycling sequence in another Postgres schema.
pub const BATCHES: SequenceDef = SequenceDef::new("batches")
    .in_schema("billing")
    .data_type(SequenceType::SmallInt)
    .min_value(1)
    .max_value(3)
    .cycle();

#[table(name = "invoices")]
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    #[column(primary_key, default = nextval("invoice_numbers"))]
    pub number: i64,
    #[column(default = nextval("billing.batches"))]
    pub batch: i16,
    pub amount: i64,
}

/// Row-level security, forced (the owner too): each role reads and writes its own rows, reads
/// the published ones, and no one writes an empty body (a restrictive policy).
#[table(
    name = "documents",
    force_row_level_security,
    policy(name = "own_rows", using = "owner = current_user", with_check = "owner = current_user"),
    policy(name = "published_rows", command = select, using = "published"),
    policy(name = "no_empty_bodies", with_check = "body <> ''", restrictive)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    #[column(primary_key, identity)]
    pub id: i64,
    #[column(default = sql("current_user"))]
    pub owner: String,
    pub body: String,
    #[column(default = false)]
    pub published: bool,
}

/// A view over two tables, read like a table.
#[view(
    name = "device_summaries",
    sql = "SELECT d.id, d.address, count(l.id) AS logs FROM devices d LEFT JOIN device_logs l ON l.device_id = d.id GROUP BY d.id"
)]
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSummary {
    pub id: i64,
    pub address: IpAddr,
    pub logs: i64,
}

/// A materialized view with a unique index (which `refresh_concurrently` needs), reading the
/// view above.
#[view(
    name = "busy_devices",
    materialized,
    sql = "SELECT id, logs FROM device_summaries WHERE logs > 0",
    index(on(id), unique)
)]
#[derive(Debug, Clone, PartialEq)]
pub struct BusyDevice {
    pub id: i64,
    pub logs: i64,
}

/// A view written by the query builder: its values are written into the view's SQL as literals.
pub fn long_names_query() -> schema_core::query::Select<Person, Person> {
    Person::select()
        .filter(people::last_length.gt(8))
        .filter(people::first.ne("O'Brien".to_string()))
}

#[view(name = "long_names", query = long_names_query)]
#[derive(Debug, Clone, PartialEq)]
pub struct LongName {
    pub id: i64,
    pub first: String,
    pub last: String,
    pub full_name: String,
    pub last_length: Option<i32>,
}

/// Full-text search: a generated `tsvector` with a GIN index, and one written from Rust.
#[table(name = "articles", index(on(search), method = gin))]
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    #[column(primary_key, identity)]
    pub id: i64,
    pub title: String,
    pub body: String,
    #[column(generated = "to_tsvector('english', title || ' ' || body)")]
    pub search: TsVector,
    pub keywords: Option<TsVector>,
}

/// A domain: an email address is text with one `@`, and not too long.
#[domain(
    name = "email_address",
    check = "VALUE ~ '^[^@ ]+@[^@ ]+$'",
    check(name = "email_not_too_long", sql = "length(VALUE) <= 254")
)]
#[derive(Debug, Clone, PartialEq)]
pub struct EmailAddress(pub String);

/// A domain over `char(2)`: the type attribute says what the Rust type cannot.
#[domain(name = "country_code", char(2), check = "VALUE ~ '^[A-Z]{2}$'")]
#[derive(Debug, Clone, PartialEq)]
pub struct CountryCode(pub String);

/// A domain over an array: a list of tags that is never empty.
#[domain(name = "tag_list", not_null, check = "cardinality(VALUE) > 0")]
#[derive(Debug, Clone, PartialEq)]
pub struct TagList(pub Vec<String>);

#[table(name = "subscribers")]
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    #[column(primary_key, identity)]
    pub id: i64,
    pub email: EmailAddress,
    pub backup: Option<EmailAddress>,
    pub country: Option<CountryCode>,
    #[column(default = sql("ARRAY['new']::tag_list"))]
    pub tags: TagList,
}
