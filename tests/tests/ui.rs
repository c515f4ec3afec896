//! Compile-time errors of `#[table]` and `#[pg_enum]`, with their messages reviewed in
//! `tests/ui/*.stderr`. Regenerate with `TRYBUILD=overwrite cargo test -p schema-tests --test ui`
//! and read the diff as the user who meets the error would.

#[test]
fn compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
}

/// Every compile error fits in 15 lines of rustc's output (trybuild's `.stderr` files hold the
/// output of each case, errors separated by blank lines).
#[test]
fn every_message_fits_in_15_lines() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut long = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "stderr") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let mut blocks: Vec<Vec<&str>> = Vec::new();
        for line in text.lines() {
            if line.starts_with("error") || line.starts_with("warning") || blocks.is_empty() {
                blocks.push(Vec::new());
            }
            blocks.last_mut().unwrap().push(line);
        }
        for block in blocks {
            let lines = block
                .iter()
                .rposition(|l| !l.trim().is_empty())
                .map_or(0, |i| i + 1);
            let name = path.file_name().unwrap().to_string_lossy();
            if lines > 15 {
                long.push(format!("{name}: {lines} lines: {}", block[0]));
            }
        }
    }
    long.sort();
    assert!(
        long.is_empty(),
        "messages over 15 lines:\n{}",
        long.join("\n")
    );
}
