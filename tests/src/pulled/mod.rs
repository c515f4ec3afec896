//! Code written by `gen-migrations pull` from the fixture databases of `tests/tests/pull.rs`,
//! compiled here so that a change to what pull writes must still compile.
pub mod column_types;
pub mod drizzle_kit;
pub mod example_app;
pub mod routines;
