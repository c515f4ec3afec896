//! The schema of a database, pulled by `gen-migrations pull`: review it, then own it.

mod articles_table;
mod busy_devices_view;
mod device_logs_table;
mod device_summaries_view;
mod devices_table;
mod documents_table;
mod domains;
mod enums;
mod invoices_table;
mod long_names_view;
mod people_table;
mod subscribers_table;
mod tickets_table;

pub use articles_table::*;
pub use busy_devices_view::*;
pub use device_logs_table::*;
pub use device_summaries_view::*;
pub use devices_table::*;
pub use documents_table::*;
pub use domains::*;
pub use enums::*;
pub use invoices_table::*;
pub use long_names_view::*;
pub use people_table::*;
pub use subscribers_table::*;
pub use tickets_table::*;

/// Every table, enum and extension of the database.
pub fn schema() -> schema_core::schema::Schema {
    schema_core::schema::Schema::new()
        .pg_enum::<Port>()
        .table::<Article>()
        .table::<DeviceLog>()
        .table::<Device>()
        .table::<Document>()
        .table::<Invoice>()
        .table::<People>()
        .table::<Subscriber>()
        .table::<Ticket>()
        .sequence(
            schema_core::schema::SequenceDef::new("invoice_numbers")
                .increment(5)
                .start(1000)
                .cache(10)
                .owned_by("invoices", "number"),
        )
        .sequence(
            schema_core::schema::SequenceDef::new("batches")
                .in_schema("billing")
                .data_type(schema_core::schema::SequenceType::SmallInt)
                .max_value(3)
                .cycle(),
        )
        .domain::<CountryCode>()
        .domain::<EmailAddress>()
        .domain::<TagList>()
        .view::<DeviceSummary>()
        .view::<BusyDevice>()
        .view::<LongName>()
}
