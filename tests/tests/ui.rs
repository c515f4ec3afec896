//! Compile-time errors of `#[table]` and `#[pg_enum]`, with their messages reviewed in
//! `tests/ui/*.stderr`. Regenerate with `TRYBUILD=overwrite cargo test -p schema-tests --test ui`
//! and read the diff as the user who meets the error would.

#[test]
fn compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}
