//! The journal (`meta/_journal.json`): each migration's tag and SHA-256 checksum, in order.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::FORMAT_VERSION;

/// `meta/_journal.json`: the migrations in order, with their checksums.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub dialect: String,
    pub entries: Vec<JournalEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub idx: u32,
    /// The file name without `.sql`: `0000_init`.
    pub tag: String,
    /// SHA-256 of the SQL file's bytes, in hex (for a custom migration: of the template it was
    /// written with).
    pub checksum: String,
    /// A migration written by hand (`generate --custom`): its checksum is taken when it is
    /// applied, so it can be edited until then, and never after.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub custom: bool,
    /// SHA-256 of the generated down migration (`<tag>.down.sql`, then
    /// `<tag>.down_online.sql` when there is one), on the first entry of a migration; none on
    /// custom migrations (their down is written by hand) and on migrations written before downs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<String>,
}

impl Journal {
    /// Reads a journal, refusing what this version cannot trust: another format version or
    /// dialect, a tag that is not a plain file name, a tag or index listed twice.
    pub fn parse(text: &str) -> Result<Journal, String> {
        let journal: Journal = serde_json::from_str(text).map_err(|e| e.to_string())?;
        check_format(journal.version, &journal.dialect)?;
        let mut seen = std::collections::BTreeSet::new();
        for (position, entry) in journal.entries.iter().enumerate() {
            check_tag(&entry.tag)?;
            if !seen.insert(entry.tag.as_str()) {
                return Err(format!("the tag {:?} is listed twice", entry.tag));
            }
            if journal.entries[..position]
                .iter()
                .any(|e| e.idx == entry.idx)
            {
                return Err(format!("the index {} is listed twice", entry.idx));
            }
            if entry.checksum.len() != 64 || !entry.checksum.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(format!(
                    "the checksum of {:?} is not a SHA-256 in hex: {:?}",
                    entry.tag, entry.checksum
                ));
            }
        }
        Ok(journal)
    }

    pub(super) fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a journal always serialises");
        json.push('\n');
        json
    }
}

/// A format this version writes and reads.
pub(super) fn check_format(version: u32, dialect: &str) -> Result<(), String> {
    if version != FORMAT_VERSION {
        return Err(format!(
            "format version {version}, but this gen-migrations reads version {FORMAT_VERSION}: \
             use the gen-migrations that wrote it"
        ));
    }
    if dialect != "postgresql" {
        return Err(format!(
            "dialect {dialect:?}, but only \"postgresql\" is known"
        ));
    }
    Ok(())
}

/// A tag is a plain file name (without `.sql`): nothing that could read outside the folder.
pub(super) fn check_tag(tag: &str) -> Result<(), String> {
    let plain = !tag.is_empty()
        && tag.len() <= 200
        && !tag.starts_with('.')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain {
        Ok(())
    } else {
        Err(format!(
            "the tag {tag:?} is not a plain file name (letters, digits, `_`, `-` and `.`, not first)"
        ))
    }
}

/// SHA-256 of `bytes`, in lowercase hex.
pub fn checksum(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
