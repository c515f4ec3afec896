//! The example app's tables, one module per domain.

mod accounts;
mod conversations;

pub use accounts::*;
pub use conversations::*;

use schema_core::schema::Schema;

/// Every table of the app, with the enums and extensions they use.
pub fn schema() -> Schema {
    Schema::new()
        .table::<User>()
        .table::<Project>()
        .table::<AiUsageLog>()
        .table::<Context>()
        .table::<Message>()
}
