//! Down migrations: each generated migration's reverse, computed by diffing its two snapshots
//! the other way, and written beside it (`NNNN_name.down.sql`, and `NNNN_name.down_online.sql`
//! for what is built concurrently), for `gen-migrations rollback`.
//!
//! A reverse that loses data (dropping the column the migration added) starts with
//! [`DATA_LOSS`] and is applied only with `--allow-data-loss`; one PostgreSQL cannot do (removing
//! an enum label) starts with [`IRREVERSIBLE`] and the reason, and rollback refuses it.

use super::diff::{self, DiffOptions};
use super::render::Step;
use super::{diff_sql, NO_TRANSACTION};
use crate::schema::Schema;

/// The first line of a down migration that loses data.
pub const DATA_LOSS: &str = "-- migrate:data-loss";
/// The first line of a down migration that cannot be applied, followed by why.
pub const IRREVERSIBLE: &str = "-- migrate:irreversible";

/// The down files of the migration from `before` to `after` whose tag is `tag`:
/// `(transactional text, online text if any)`.
pub fn down_files(tag: &str, before: &Schema, after: &Schema) -> (String, Option<String>) {
    let (source, target) = reversed(before, after);
    let plan = match diff::diff(
        &source,
        &target,
        DiffOptions {
            allow_data_loss: true,
        },
    ) {
        Ok(plan) => plan,
        Err(refusal) => {
            let mut text = format!(
                "{IRREVERSIBLE}\n-- Migration {tag} cannot be reversed by a generated migration:\n"
            );
            for reason in &refusal.0 {
                for line in reason.lines() {
                    text.push_str(&format!("--   {line}\n"));
                }
            }
            text.push_str(
                "-- Undo it with a new migration instead, or write this file's SQL by hand after \
                 removing its first line.\n",
            );
            return (text, None);
        }
    };
    let loses = |steps: &[Step]| {
        steps
            .iter()
            .any(|s| s.warning().is_some_and(|w| w.starts_with("DATA LOSS")))
    };
    let mut main = diff_sql(&format!("{tag} (down)"), &plan.steps, false);
    if loses(&plan.steps) || loses(&plan.online) {
        main.insert_str(0, &format!("{DATA_LOSS}\n"));
    }
    let online = (!plan.online.is_empty())
        .then(|| diff_sql(&format!("{tag} (down, online)"), &plan.online, true));
    debug_assert!(online
        .as_deref()
        .is_none_or(|o| o.starts_with(NO_TRANSACTION)));
    (main, online)
}

/// The two schemas of a reverse diff: from `after` (its rename hints cleared) back to `before`,
/// whose tables and columns that `after` renamed are hinted by their later names, so that the
/// reverse renames them back instead of dropping and creating them.
fn reversed(before: &Schema, after: &Schema) -> (Schema, Schema) {
    let mut source = after.clone();
    let mut target = before.clone();
    for table in source.tables.iter_mut() {
        table.renamed_from = None;
        let mut columns = table.columns.to_vec();
        columns.iter_mut().for_each(|c| c.renamed_from = None);
        table.columns = columns.into();
    }
    for table in target.tables.iter_mut() {
        table.renamed_from = None;
        let mut columns = table.columns.to_vec();
        columns.iter_mut().for_each(|c| c.renamed_from = None);
        table.columns = columns.into();
    }
    for table in &after.tables {
        // The table as it was before: under its old name when it was renamed.
        // (A hint left in place after its rename was applied finds the table under its name.)
        let renamed = table.renamed_from.as_ref().filter(|from| {
            target
                .tables
                .iter()
                .any(|t| t.schema == table.schema && t.name == **from)
                && !target
                    .tables
                    .iter()
                    .any(|t| t.schema == table.schema && t.name == table.name)
        });
        let old_name = renamed.cloned().unwrap_or(table.name.clone());
        let Some(old) = target
            .tables
            .iter_mut()
            .find(|t| t.schema == table.schema && t.name == old_name)
        else {
            continue;
        };
        if renamed.is_some() {
            old.renamed_from = Some(table.name.clone());
        }
        let mut columns = old.columns.to_vec();
        for column in table.columns.iter() {
            if let Some(from) = &column.renamed_from {
                if columns.iter().any(|c| c.name == column.name) {
                    continue; // a hint left in place after its rename was applied
                }
                if let Some(previous) = columns.iter_mut().find(|c| c.name == *from) {
                    previous.renamed_from = Some(column.name.clone());
                }
            }
        }
        old.columns = columns.into();
    }
    (source, target)
}
