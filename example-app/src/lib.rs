//! The example application: the schemas of the teams schema-core was built for, declared once
//! with `#[table]`.

pub mod demo;
pub mod schema;

pub use schema::schema;
