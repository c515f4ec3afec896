//! Full-text search, typed: a [`TsQuery`] from the user's words (`to_tsquery`,
//! `plainto_tsquery`, `websearch_to_tsquery`, `phraseto_tsquery`), matched against a `tsvector`
//! column (`@@`) and ranked (`ts_rank`). The configuration and the words are bound parameters.

use std::sync::Arc;

use super::expr::{Expr, InSource, Node};
use super::Column;
use crate::schema::ColumnValue;

/// A text search query (`tsquery`), bound to its configuration and words.
#[derive(Debug, Clone)]
pub struct TsQuery {
    node: Node,
}

fn query(function: &'static str, config: &str, words: &str) -> TsQuery {
    TsQuery {
        node: Node::Raw {
            sql: format!("{function}(?::text::regconfig, ?::text)").into(),
            params: vec![
                Node::Param(Arc::new(config.to_string())),
                Node::Param(Arc::new(words.to_string())),
            ],
        },
    }
}

/// `to_tsquery(config, words)`: words with `&`, `|`, `!`, `<->` and `:*` as operators.
pub fn to_tsquery(config: &str, words: &str) -> TsQuery {
    query("to_tsquery", config, words)
}

/// `plainto_tsquery(config, words)`: every word must appear (punctuation ignored).
pub fn plainto_tsquery(config: &str, words: &str) -> TsQuery {
    query("plainto_tsquery", config, words)
}

/// `websearch_to_tsquery(config, words)`: what a search box takes (`"a phrase" -not or`).
pub fn websearch_to_tsquery(config: &str, words: &str) -> TsQuery {
    query("websearch_to_tsquery", config, words)
}

/// `phraseto_tsquery(config, words)`: the words in this order.
pub fn phraseto_tsquery(config: &str, words: &str) -> TsQuery {
    query("phraseto_tsquery", config, words)
}

/// A `tsvector` column: `matches` and `rank` apply.
#[diagnostic::on_unimplemented(
    message = "a text search needs a `tsvector` column, not `{Self}`",
    label = "not a tsvector",
    note = "search a `TsVector` column (a generated `to_tsvector(…)` one, say), or use `like` on text"
)]
pub trait IsTsVector {}
#[diagnostic::do_not_recommend]
impl IsTsVector for crate::types::TsVector {}

impl<T, V, N> Column<T, V, N> {
    /// `column @@ query`: the document matches the search.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn matches<S, I>(self, query: TsQuery) -> Expr<S, bool> where V: ColumnValue, V::NotNull: IsTsVector, T: InSource<S, I> {
        Expr::new(Node::Binary(Box::new(self.node()), "@@", Box::new(query.node)))
    }

    /// `ts_rank(column, query)`: how well the document matches, for ordering (`.desc()`).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn rank<S, I>(self, query: TsQuery) -> Expr<S, f32> where V: ColumnValue, V::NotNull: IsTsVector, T: InSource<S, I> {
        Expr::new(Node::Call { name: "ts_rank", args: vec![self.node(), query.node], star: false })
    }
}
