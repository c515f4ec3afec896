//! The schema of a database, pulled by `gen-migrations pull`: review it, then own it.

mod device_logs_table;
mod devices_table;
mod enums;
mod people_table;
mod tickets_table;

pub use device_logs_table::*;
pub use devices_table::*;
pub use enums::*;
pub use people_table::*;
pub use tickets_table::*;

/// Every table, enum and extension of the database.
pub fn schema() -> schema_core::schema::Schema {
    schema_core::schema::Schema::new()
        .pg_enum::<Port>()
        .table::<DeviceLog>()
        .table::<Device>()
        .table::<People>()
        .table::<Ticket>()
}
