//! The snapshot: the declared schema as JSON, one per migration (`meta/NNNN_snapshot.json`),
//! what the next diff starts from.

use serde::{Deserialize, Serialize};

use super::journal::check_format;
use crate::schema::Schema;

/// The version of the snapshot and journal formats.
pub const FORMAT_VERSION: u32 = 1;

/// The schema after a migration, as `meta/NNNN_snapshot.json` stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub dialect: String,
    pub schema: Schema,
}

impl Snapshot {
    pub fn new(schema: Schema) -> Self {
        Snapshot {
            version: FORMAT_VERSION,
            dialect: "postgresql".into(),
            schema,
        }
    }

    /// Reads a snapshot, refusing another format version or dialect and a table, enum or column
    /// listed twice.
    pub fn parse(text: &str) -> Result<Snapshot, String> {
        let snapshot: Snapshot = serde_json::from_str(text).map_err(|e| e.to_string())?;
        check_format(snapshot.version, &snapshot.dialect)?;
        let mut tables = std::collections::BTreeSet::new();
        for table in &snapshot.schema.tables {
            let key = (table.schema.as_deref(), table.name.as_ref());
            if !tables.insert(key) {
                return Err(format!("the table {:?} is listed twice", table.name));
            }
            let mut columns = std::collections::BTreeSet::new();
            for column in table.columns.iter() {
                if !columns.insert(column.name.as_ref()) {
                    return Err(format!(
                        "the column {:?} of table {:?} is listed twice",
                        column.name, table.name
                    ));
                }
            }
        }
        let mut enums = std::collections::BTreeSet::new();
        for def in &snapshot.schema.enums {
            if !enums.insert((def.schema.as_deref(), def.name.as_ref())) {
                return Err(format!("the enum {:?} is listed twice", def.name));
            }
        }
        Ok(snapshot)
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).expect("a snapshot always serialises");
        json.push('\n');
        json
    }
}
