//! `cargo run --bin gen-migrations`: writes the next migration of the example app's schema into
//! `example-app/migrations` (or `--dir`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    schema_core::migrate::cli::main(example_app::schema(), dir)
}
