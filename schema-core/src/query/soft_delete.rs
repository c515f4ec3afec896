//! The soft-delete rule, one for every statement: which rows of a soft-delete table a query
//! sees, an update touches, or a relation loads.

use super::expr::Node;
use crate::schema::TableDef;

/// Which rows of a soft-delete table a statement sees or touches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Deleted {
    /// Rows whose soft-delete column is NULL: the default.
    Live,
    /// Every row.
    All,
    /// Only soft-deleted rows.
    Only,
}

impl Deleted {
    /// The soft-delete column of `table` that the statement must test, and whether the rows
    /// must be soft-deleted (`IS NOT NULL`) or live (`IS NULL`); `None` when nothing is tested
    /// (the table has no soft delete, or every row is wanted).
    pub(crate) fn test(self, table: &TableDef) -> Option<(&str, bool)> {
        let column = table.soft_delete.as_deref()?;
        match self {
            Deleted::Live => Some((column, false)),
            Deleted::Only => Some((column, true)),
            Deleted::All => None,
        }
    }

    /// The test as a condition on `table`'s column, for a `WHERE` clause.
    pub(crate) fn condition(self, table: &'static TableDef) -> Option<Node> {
        let (column, deleted) = self.test(table)?;
        let column = Node::Column {
            schema: table.schema.as_deref(),
            table: table.name.as_ref(),
            name: column,
        };
        Some(Node::IsNull(Box::new(column), deleted))
    }
}
