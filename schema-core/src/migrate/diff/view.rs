//! The diff of views: a view whose query, columns or kind changed is dropped and made again; so
//! is a view that reads a table whose columns change in a way PostgreSQL refuses under a view
//! (a type change, a dropped or regenerated column), and any view that reads one made again.
//! Drops come before the table changes, creates after them, in dependency order.

use std::collections::BTreeSet;

use super::{key, Differ};
use crate::migrate::render::{create_view, Step};
use crate::schema::{Schema, ViewDef};

impl Differ {
    pub(super) fn views(&mut self, old: &Schema, new: &Schema) {
        // The tables whose changes a view in the way would block.
        let blocked: BTreeSet<String> = self
            .alters
            .iter()
            .chain(&self.late_drops)
            .filter_map(|step| match step {
                Step::AlterColumnType { table, .. }
                | Step::DropColumn { table, .. }
                | Step::RegenerateColumn { table, .. } => Some(table.name.to_string()),
                Step::DropTable(table) => Some(table.name.to_string()),
                _ => None,
            })
            .collect();
        let old_views: Vec<&ViewDef> = old.views.iter().collect();
        let find_old = |view: &ViewDef| {
            old_views
                .iter()
                .find(|v| key(&v.qualified_name()) == key(&view.qualified_name()))
                .copied()
        };
        // Views to make (new or remade), by name; grown until no view reads one being remade.
        let mut remade: BTreeSet<String> = BTreeSet::new();
        for view in &new.views {
            let changed = find_old(view).is_none_or(|before| before != view);
            let in_the_way =
                find_old(view).is_some_and(|before| blocked.iter().any(|t| before.mentions(t)));
            if changed || in_the_way {
                remade.insert(view.relation.name.to_string());
            }
        }
        loop {
            let more: Vec<String> = new
                .views
                .iter()
                .filter(|v| !remade.contains(&*v.relation.name))
                .filter(|v| remade.iter().any(|r| v.mentions(r)))
                .map(|v| v.relation.name.to_string())
                .collect();
            if more.is_empty() {
                break;
            }
            remade.extend(more);
        }
        // Drops: the old views that go or are remade, readers first.
        let going: Vec<&ViewDef> = old
            .views
            .iter()
            .filter(|v| {
                remade.contains(&*v.relation.name)
                    || !new
                        .views
                        .iter()
                        .any(|n| key(&n.qualified_name()) == key(&v.qualified_name()))
            })
            .collect();
        let mut order = ViewDef::in_dependency_order(going);
        order.reverse();
        for view in order {
            self.view_drops.push(Step::DropView {
                name: view.qualified_name(),
                materialized: view.materialized,
            });
        }
        // Creates: the new and remade views, each after the views it reads.
        let coming: Vec<&ViewDef> = new
            .views
            .iter()
            .filter(|v| remade.contains(&*v.relation.name))
            .collect();
        for view in ViewDef::in_dependency_order(coming) {
            self.view_creates.extend(create_view(view));
        }
        // A materialized view that stays: its indexes, as a table's.
        for view in new
            .views
            .iter()
            .filter(|v| !remade.contains(&*v.relation.name))
        {
            if let Some(before) = find_old(view) {
                if before.relation.indexes != view.relation.indexes {
                    self.table(&before.relation, &view.relation);
                }
            }
        }
    }
}
