//! jsonb operators, typed: reading inside a document (`->`, `->>`, `#>`, `#>>`), and testing it
//! (`@>`, `?`, `?|`, `?&`, and a jsonpath with `@?`), on `serde_json::Value` and `Json<T>`
//! columns only. Keys, paths and documents are bound parameters.

use std::sync::Arc;

use super::expr::{Expr, InSource, Node};
use super::Column;
use crate::schema::ColumnValue;

/// A jsonb column's value: `serde_json::Value` or `Json<T>`.
#[diagnostic::on_unimplemented(
    message = "a jsonb operator needs a jsonb column (`serde_json::Value` or `Json<T>`), not `{Self}`",
    label = "not jsonb",
    note = "declare the field `serde_json::Value` or `Json<YourType>`"
)]
pub trait JsonValue {}
#[diagnostic::do_not_recommend]
impl JsonValue for serde_json::Value {}
#[diagnostic::do_not_recommend]
impl<T> JsonValue for crate::types::Json<T> {}

fn param<P: postgres_types::ToSql + Send + Sync + 'static>(value: P) -> Node {
    Node::Param(Arc::new(value))
}

impl<T, V, N> Column<T, V, N> {
    fn json_op<S, O>(self, operator: &'static str, rhs: Node) -> Expr<S, O> {
        Expr::new(Node::Binary(Box::new(self.node()), operator, Box::new(rhs)))
    }

    /// `column -> key`: the member `key` of an object, as jsonb; `None` when there is none.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_get<S, I>(self, key: &str) -> Expr<S, Option<serde_json::Value>> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("->", param(key.to_string()))
    }

    /// `column ->> key`: the member `key` of an object, as text.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_get_text<S, I>(self, key: &str) -> Expr<S, Option<String>> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("->>", param(key.to_string()))
    }

    /// `column #> path`: the value at `path` (keys, or array indexes as text), as jsonb.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_path<S, I>(self, path: &[&str]) -> Expr<S, Option<serde_json::Value>> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("#>", param(path.iter().map(|p| p.to_string()).collect::<Vec<_>>()))
    }

    /// `column #>> path`: the value at `path`, as text.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_path_text<S, I>(self, path: &[&str]) -> Expr<S, Option<String>> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("#>>", param(path.iter().map(|p| p.to_string()).collect::<Vec<_>>()))
    }

    /// `column @> document`: the column contains `document` (every member and element of it).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_contains<S, I>(self, document: serde_json::Value) -> Expr<S, bool> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("@>", param(document))
    }

    /// `column ? key`: the object has the key (or the array the string).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_has_key<S, I>(self, key: &str) -> Expr<S, bool> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("?", param(key.to_string()))
    }

    /// `column ?| keys`: the object has one of the keys at least.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_has_any_key<S, I>(self, keys: &[&str]) -> Expr<S, bool> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("?|", param(keys.iter().map(|k| k.to_string()).collect::<Vec<_>>()))
    }

    /// `column ?& keys`: the object has every one of the keys.
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_has_all_keys<S, I>(self, keys: &[&str]) -> Expr<S, bool> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        self.json_op("?&", param(keys.iter().map(|k| k.to_string()).collect::<Vec<_>>()))
    }

    /// `column @? path::jsonpath`: the jsonpath finds an item (`$.tags[*] ? (@ == "rust")`).
    #[rustfmt::skip] // one line, so that a compile error quotes it in one line
    pub fn json_path_exists<S, I>(self, path: &str) -> Expr<S, bool> where V: ColumnValue, V::NotNull: JsonValue, T: InSource<S, I> {
        Expr::new(Node::Raw {
            sql: "? @?? ?::text::jsonpath".into(),
            params: vec![self.node(), param(path.to_string())],
        })
    }
}
