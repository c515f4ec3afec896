//! The lock clause a locked query ends with (`FOR UPDATE OF t SKIP LOCKED`): below both the
//! query that writes it and the row-lock methods that build it.

/// What a locked query does when another transaction holds a row it wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnHeld {
    Block,
    Fail,
    Skip,
}

/// The lock clause of a query: its strength (`FOR UPDATE`, …), the tables it locks the rows of
/// (all when none), and what it does about rows held by others.
#[derive(Debug, Clone)]
pub(crate) struct RowLock {
    pub(super) strength: &'static str,
    pub(super) of: Vec<String>,
    pub(super) wait: OnHeld,
}

impl RowLock {
    pub(crate) fn write(&self, w: &mut super::render::SqlWriter) {
        w.push(" ");
        w.push(self.strength);
        for (i, table) in self.of.iter().enumerate() {
            w.push(if i == 0 { " OF " } else { ", " });
            w.push(&crate::sql::quote_ident(table));
        }
        match self.wait {
            OnHeld::Block => {}
            OnHeld::Fail => w.push(" NOWAIT"),
            OnHeld::Skip => w.push(" SKIP LOCKED"),
        }
    }
}
