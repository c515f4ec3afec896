//! A schema that uses every attribute of `#[table]` and `#[pg_enum]`.
