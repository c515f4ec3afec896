//! Fuzzing the readers of files a user or a tool may have edited (issue 10, item 4): the journal
//! and snapshot readers take any bytes, valid JSON of the wrong shape and mutations of real
//! files, and answer with a value or an error, never a panic. Run longer with
//! `PROPTEST_CASES=100000 cargo test -p schema-tests --test fuzz_readers`.

use proptest::prelude::*;
use schema_core::migrate::{checksum, Journal, Snapshot};

fn real_snapshot() -> String {
    Snapshot::new(schema_tests::schema()).to_json()
}

fn real_journal() -> String {
    format!(
        r#"{{"version": 1, "dialect": "postgresql", "entries": [{{"idx": 0, "tag": "0000_init", "checksum": "{}"}}]}}"#,
        checksum(b"x")
    )
}

/// `text` with `edits` applied: each replaces, inserts or deletes one byte at a position.
fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, kind, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let at = at % bytes.len();
        match kind % 3 {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ => {
                bytes.remove(at);
            }
        }
    }
    bytes
}

fn read_both(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let _ = Journal::parse(&text);
    let _ = Snapshot::parse(&text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_is_read_or_refused(text in ".{0,400}") {
        read_both(text.as_bytes());
    }

    #[test]
    fn mutated_snapshots_are_read_or_refused(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        read_both(&mutate(&real_snapshot(), &edits));
    }

    #[test]
    fn mutated_journals_are_read_or_refused(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        read_both(&mutate(&real_journal(), &edits));
    }

    #[test]
    fn journals_with_any_tag_and_numbers_are_read_or_refused(
        tag in ".{0,40}",
        idx in any::<i64>(),
        version in any::<i64>(),
        sum in "[0-9a-fA-Fx]{0,70}",
    ) {
        let text = serde_json::json!({
            "version": version,
            "dialect": "postgresql",
            "entries": [{"idx": idx, "tag": tag, "checksum": sum}],
        })
        .to_string();
        if let Ok(journal) = Journal::parse(&text) {
            // What is accepted is safe to use as a file name in the folder.
            for entry in &journal.entries {
                prop_assert!(!entry.tag.contains('/') && !entry.tag.contains('\\'));
                prop_assert!(!entry.tag.starts_with('.'));
            }
        }
    }
}
