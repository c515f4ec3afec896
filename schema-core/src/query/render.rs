//! Rendering: the untyped expression tree ([`Node`], what the typed layer builds) and its
//! writer, which turns trees and builders into SQL text with `$n` placeholders, plus the bound
//! parameters in order. The same query shape always renders the same text, so statements can be
//! prepared once per connection.

use std::fmt;
use std::sync::Arc;

use crate::param::Param;
use crate::sql::push_quoted_ident;

/// The expression tree, untyped: what the typed layer above builds and the writer renders.
#[derive(Clone)]
#[doc(hidden)]
pub enum Node {
    Column {
        schema: Option<&'static str>,
        table: &'static str,
        name: &'static str,
    },
    Param(Param),
    /// A binary operator: `lhs op rhs`.
    Binary(Box<Node>, &'static str, Box<Node>),
    /// `AND` / `OR` of two or more operands.
    Logic(&'static str, Vec<Node>),
    Not(Box<Node>),
    /// `expr IS [NOT] NULL`
    IsNull(Box<Node>, bool),
    /// `expr = ANY($n)` / `expr <> ALL($n)`, one array parameter whatever its length.
    InArray(Box<Node>, Param, bool),
    Between(Box<Node>, Box<Node>, Box<Node>),
    /// `expr [NOT] LIKE / ILIKE pattern`
    Like {
        expr: Box<Node>,
        pattern: Box<Node>,
        case_insensitive: bool,
        negated: bool,
    },
    /// A function call: `name(args…)`, `count(*)` with no args and `star`.
    Call {
        name: &'static str,
        args: Vec<Node>,
        star: bool,
    },
    /// Raw SQL with `?` placeholders filled by `params`, in order.
    Raw {
        sql: Arc<str>,
        params: Vec<Node>,
    },
    /// A parenthesised subquery.
    Subquery(WriteFn),
    /// SQL a function writes, as it writes it (a loaded relation's `ARRAY(SELECT ROW(…) …)`).
    Written(WriteFn),
    /// An expression that cannot be rendered (why): its statement is never sent.
    Invalid(Arc<str>),
    /// `[NOT] EXISTS (subquery)`
    Exists(WriteFn, bool),
    /// `expr [NOT] IN (subquery)`
    InSubquery(Box<Node>, WriteFn, bool),
    /// Nodes written one after the other, with nothing between (a [`Template`](super::template::Template)).
    Concat(Vec<Node>),
    /// A value the writer spells itself (`now()`, `DEFAULT`, `excluded."col"`).
    Keyword(&'static str),
    Excluded(&'static str),
}

/// Dropped level by level with a stack of its own, not by recursion: however deep a tree was
/// built, dropping it cannot exhaust the thread's stack.
impl Drop for Node {
    fn drop(&mut self) {
        // A node whose children are leaves (most: `col = $1`) is dropped by the usual glue,
        // one level deep, with no stack to allocate.
        if !has_grandchildren(self) {
            return;
        }
        let mut stack = Vec::new();
        take_children(self, &mut stack);
        while let Some(mut node) = stack.pop() {
            take_children(&mut node, &mut stack);
            // `node` now has no children: its own drop does not go deeper.
        }
    }
}

/// Whether `node` has no child nodes.
fn is_leaf(node: &Node) -> bool {
    matches!(
        node,
        Node::Column { .. }
            | Node::Param(_)
            | Node::Subquery(_)
            | Node::Written(_)
            | Node::Invalid(_)
            | Node::Exists(..)
            | Node::Keyword(_)
            | Node::Excluded(_)
    )
}

/// Whether a child of `node` has children of its own.
fn has_grandchildren(node: &Node) -> bool {
    let inner = |n: &Node| !is_leaf(n);
    match node {
        Node::Binary(lhs, _, rhs) => inner(lhs) || inner(rhs),
        Node::Not(child)
        | Node::IsNull(child, _)
        | Node::InArray(child, _, _)
        | Node::InSubquery(child, _, _) => inner(child),
        Node::Between(a, b, c) => inner(a) || inner(b) || inner(c),
        Node::Like { expr, pattern, .. } => inner(expr) || inner(pattern),
        Node::Logic(_, operands) => operands.iter().any(inner),
        Node::Call { args, .. } => args.iter().any(inner),
        Node::Raw { params, .. } => params.iter().any(inner),
        Node::Concat(pieces) => pieces.iter().any(inner),
        _ => false,
    }
}

/// Moves `node`'s child nodes onto `stack`, leaving leaves in their place.
fn take_children(node: &mut Node, stack: &mut Vec<Node>) {
    let leaf = || Node::Keyword("");
    let mut boxed = |b: &mut Box<Node>| stack.push(std::mem::replace(&mut **b, leaf()));
    match node {
        Node::Binary(lhs, _, rhs) => {
            boxed(lhs);
            boxed(rhs);
        }
        Node::Not(inner) | Node::IsNull(inner, _) | Node::InArray(inner, _, _) => boxed(inner),
        Node::InSubquery(inner, _, _) => boxed(inner),
        Node::Between(a, b, c) => {
            boxed(a);
            boxed(b);
            boxed(c);
        }
        Node::Like { expr, pattern, .. } => {
            boxed(expr);
            boxed(pattern);
        }
        Node::Logic(_, operands) => stack.append(operands),
        Node::Call { args, .. } => stack.append(args),
        Node::Raw { params, .. } => stack.append(params),
        Node::Concat(pieces) => stack.append(pieces),
        Node::Column { .. }
        | Node::Param(_)
        | Node::Subquery(_)
        | Node::Written(_)
        | Node::Invalid(_)
        | Node::Exists(..)
        | Node::Keyword(_)
        | Node::Excluded(_) => {}
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut writer = SqlWriter::new(false);
        writer.node(self);
        f.write_str(writer.sql())
    }
}

/// The deepest expression tree a statement may have.
const MAX_DEPTH: usize = 1_000;

/// How many placeholders `Expr::raw`'s SQL has: each `?` where SQL itself is, but `??` (jsonb's
/// `?`, escaped) and jsonb's `?|` and `?&` operators.
pub(crate) fn raw_placeholders(sql: &str) -> usize {
    let mut count = 0;
    for (piece, text) in crate::sql::lex::pieces(sql) {
        if piece != crate::sql::lex::Piece::Code {
            continue;
        }
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '?' {
                match chars.peek() {
                    Some('?') => {
                        chars.next();
                    }
                    Some('|' | '&') => {}
                    _ => count += 1,
                }
            }
        }
    }
    count
}

/// Appends `n` in decimal (what `write!` does, without its formatting machinery).
pub(crate) fn push_number(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[at..] {
        out.push(char::from(digit));
    }
}

/// Writes a piece of SQL (a subquery, a loaded relation) when the statement is rendered.
pub type WriteFn = std::sync::Arc<dyn Fn(&mut SqlWriter) + Send + Sync>;

/// SQL text under construction, with its parameters.
pub struct SqlWriter {
    sql: String,
    params: Vec<Param>,
    /// Why the statement cannot be sent, when an expression in it is invalid.
    invalid: Option<String>,
    /// How deep in the expression tree the writer is.
    depth: usize,
    /// Whether columns are written with their table (`"users"."id"`), as joins need.
    qualify: bool,
    /// Tables written under an alias in the scope being written, innermost last: a relation's
    /// rows are read from `"t1"`, `"t2"`… so that a table can relate to itself.
    aliases: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for SqlWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlWriter")
            .field("sql", &self.sql)
            .field("params", &self.params.len())
            .finish()
    }
}

impl SqlWriter {
    pub(crate) fn new(qualify: bool) -> Self {
        SqlWriter {
            sql: String::with_capacity(256),
            // Most statements bind a few values: one allocation, no regrowth.
            params: Vec::with_capacity(4),
            invalid: None,
            depth: 0,
            qualify,
            aliases: Vec::new(),
        }
    }

    /// A writer that goes on after a statement already written (its parameters numbered on).
    pub(crate) fn resume(sql: String, params: Vec<Param>) -> Self {
        SqlWriter {
            sql,
            params,
            ..SqlWriter::new(false)
        }
    }

    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    /// Writes a statement rendered on its own (its parameters `$1`, `$2`…), its parameters
    /// numbered on after this writer's: a write's `RETURNING` statement inside a `WITH`.
    pub(crate) fn embed(&mut self, sql: &str, params: &[Param]) {
        if let Some(reason) = crate::sql::invalid_reason(sql) {
            if self.invalid.is_none() {
                self.invalid = Some(reason.to_string());
            }
            return;
        }
        let offset = self.params.len();
        for (piece, text) in crate::sql::lex::pieces(sql) {
            if piece != crate::sql::lex::Piece::Code {
                self.sql.push_str(text);
                continue;
            }
            // `$n` where SQL itself is, and not inside a name (`a$1`), is a parameter.
            let mut rest = text;
            while let Some(at) = rest.find('$') {
                let after_name = rest[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
                let digits = rest[at + 1..]
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len() - at - 1);
                self.sql.push_str(&rest[..at]);
                match rest[at + 1..at + 1 + digits].parse::<usize>() {
                    Ok(n) if !after_name => {
                        self.sql.push('$');
                        push_number(&mut self.sql, n + offset);
                    }
                    _ => self.sql.push_str(&rest[at..at + 1 + digits]),
                }
                rest = &rest[at + 1 + digits..];
            }
            self.sql.push_str(rest);
        }
        self.params.extend(params.iter().cloned());
    }

    /// The text and its parameters. A statement with an invalid expression is a comment that
    /// says why, which the executor refuses to send (see [`invalid_reason`](crate::sql::invalid_reason)).
    pub(crate) fn finish(self) -> (String, Vec<Param>) {
        match self.invalid {
            Some(reason) => (crate::sql::invalid_statement(&reason), Vec::new()),
            None => (self.sql, self.params),
        }
    }

    pub(crate) fn set_qualify(&mut self, qualify: bool) -> bool {
        std::mem::replace(&mut self.qualify, qualify)
    }

    #[inline]
    pub(crate) fn push(&mut self, text: &str) {
        self.sql.push_str(text);
    }

    #[inline]
    pub(crate) fn ident(&mut self, name: &str) {
        push_quoted_ident(&mut self.sql, name);
    }

    pub(crate) fn table(&mut self, schema: Option<&str>, name: &str) {
        if let Some(schema) = schema {
            push_quoted_ident(&mut self.sql, schema);
            self.sql.push('.');
        }
        push_quoted_ident(&mut self.sql, name);
    }

    pub(crate) fn param(&mut self, param: Param) {
        self.params.push(param);
        self.sql.push('$');
        push_number(&mut self.sql, self.params.len());
    }

    pub(crate) fn push_alias(&mut self, table: &'static str, alias: String) {
        self.aliases.push((table, alias));
    }

    pub(crate) fn pop_alias(&mut self) {
        self.aliases.pop();
    }

    /// How many aliased scopes enclose the current one.
    pub(crate) fn depth(&self) -> usize {
        self.aliases.len()
    }

    /// ` ORDER BY …` (nothing for no keys): each key with `DESC` and `NULLS FIRST`/`LAST` when
    /// asked for.
    pub(crate) fn order_by(&mut self, order: &[(Node, bool, Option<bool>)]) {
        for (i, (node, desc, nulls)) in order.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            self.node(node);
            if *desc {
                self.push(" DESC");
            }
            match nulls {
                Some(true) => self.push(" NULLS FIRST"),
                Some(false) => self.push(" NULLS LAST"),
                None => {}
            }
        }
    }

    /// Whether `table`'s columns are written bare here (no table name, no alias).
    pub(crate) fn writes_bare_columns_of(&self, table: &str) -> bool {
        !self.qualify && !self.aliases.iter().any(|(t, _)| *t == table)
    }

    pub(crate) fn column(&mut self, schema: Option<&str>, table: &str, name: &str) {
        if let Some((_, alias)) = self.aliases.iter().rev().find(|(t, _)| *t == table) {
            push_quoted_ident(&mut self.sql, alias);
            self.sql.push('.');
            self.ident(name);
            return;
        }
        if self.qualify {
            self.table(schema, table);
            self.sql.push('.');
        }
        self.ident(name);
    }

    pub(crate) fn node(&mut self, node: &Node) {
        // Rendering recurses once per level: a tree deeper than any query needs is refused
        // rather than allowed to exhaust the stack.
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            if self.invalid.is_none() {
                self.invalid = Some(format!(
                    "an expression nested more than {MAX_DEPTH} levels deep: combine long lists of \
                     conditions with `in_list`, or flatten `and`/`or` chains (they flatten by themselves \
                     when each side is not itself nested)"
                ));
            }
            self.depth -= 1;
            return;
        }
        self.node_inner(node);
        self.depth -= 1;
    }

    fn node_inner(&mut self, node: &Node) {
        match node {
            Node::Column {
                schema,
                table,
                name,
            } => self.column(*schema, table, name),
            Node::Param(param) => self.param(param.clone()),
            Node::Binary(lhs, op, rhs) => {
                self.operand(lhs);
                self.sql.push(' ');
                self.sql.push_str(op);
                self.sql.push(' ');
                self.operand(rhs);
            }
            Node::Logic(op, operands) => {
                for (i, operand) in operands.iter().enumerate() {
                    if i > 0 {
                        self.sql.push(' ');
                        self.sql.push_str(op);
                        self.sql.push(' ');
                    }
                    self.logic_operand(operand);
                }
            }
            Node::Not(inner) => {
                self.sql.push_str("NOT ");
                self.operand(inner);
            }
            Node::IsNull(inner, negated) => {
                self.operand(inner);
                self.sql
                    .push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::InArray(inner, values, negated) => {
                self.operand(inner);
                self.sql
                    .push_str(if *negated { " <> ALL(" } else { " = ANY(" });
                self.param(values.clone());
                self.sql.push(')');
            }
            Node::Between(inner, low, high) => {
                self.operand(inner);
                self.sql.push_str(" BETWEEN ");
                self.operand(low);
                self.sql.push_str(" AND ");
                self.operand(high);
            }
            Node::Like {
                expr,
                pattern,
                case_insensitive,
                negated,
            } => {
                self.operand(expr);
                if *negated {
                    self.sql.push_str(" NOT");
                }
                self.sql.push_str(if *case_insensitive {
                    " ILIKE "
                } else {
                    " LIKE "
                });
                self.operand(pattern);
            }
            Node::Call { name, args, star } => {
                self.sql.push_str(name);
                self.sql.push('(');
                if *star {
                    self.sql.push('*');
                }
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        self.sql.push_str(", ");
                    }
                    self.node(arg);
                }
                self.sql.push(')');
            }
            Node::Raw { sql, params } => {
                let mut params = params.iter();
                for (piece, text) in crate::sql::lex::pieces(sql) {
                    if piece != crate::sql::lex::Piece::Code {
                        self.sql.push_str(text);
                        continue;
                    }
                    let mut chars = text.chars().peekable();
                    while let Some(c) = chars.next() {
                        match (c, chars.peek()) {
                            ('?', Some('?')) => {
                                chars.next();
                                self.sql.push('?');
                            }
                            ('?', Some('|' | '&')) => self.sql.push('?'),
                            ('?', _) => match params.next() {
                                Some(param) => self.node(param),
                                // Counted when the expression was made.
                                None => self.sql.push('?'),
                            },
                            (c, _) => self.sql.push(c),
                        }
                    }
                }
            }
            Node::Invalid(reason) => {
                if self.invalid.is_none() {
                    self.invalid = Some(reason.to_string());
                }
                self.sql.push_str("NULL");
            }
            Node::Subquery(render) => {
                self.sql.push('(');
                self.subquery(render.as_ref());
                self.sql.push(')');
            }
            Node::Written(write) => write(self),
            Node::Exists(render, negated) => {
                self.sql
                    .push_str(if *negated { "NOT EXISTS (" } else { "EXISTS (" });
                self.subquery(render.as_ref());
                self.sql.push(')');
            }
            Node::InSubquery(inner, render, negated) => {
                self.operand(inner);
                self.sql
                    .push_str(if *negated { " NOT IN (" } else { " IN (" });
                self.subquery(render.as_ref());
                self.sql.push(')');
            }
            Node::Keyword(word) => self.sql.push_str(word),
            Node::Concat(pieces) => {
                for piece in pieces {
                    self.node(piece);
                }
            }
            Node::Excluded(name) => {
                self.sql.push_str("excluded.");
                self.ident(name);
            }
        }
    }

    /// A subquery is written with its columns qualified, so that a correlated reference to the
    /// outer table stays unambiguous.
    fn subquery(&mut self, render: &(dyn Fn(&mut SqlWriter) + Send + Sync)) {
        let before = self.set_qualify(true);
        render(self);
        self.set_qualify(before);
    }

    /// An operand of an operator: parenthesised when it is itself an operation.
    /// One operand of `AND`/`OR`. Comparisons bind tighter than AND and OR: only a nested
    /// AND/OR, raw SQL (whose precedence is unknown) and BETWEEN (whose own AND reads
    /// ambiguously) get parentheses.
    pub(crate) fn logic_operand(&mut self, operand: &Node) {
        if matches!(
            operand,
            Node::Logic(..) | Node::Raw { .. } | Node::Between(..)
        ) {
            self.sql.push('(');
            self.node(operand);
            self.sql.push(')');
        } else {
            self.node(operand);
        }
    }

    /// ` WHERE filter AND condition`, when there is either: the conditions `AND`ed as one flat
    /// list (a filter that is itself an `AND` lends its operands), written from the borrowed
    /// tree without copying it.
    pub(crate) fn where_clause(&mut self, filter: Option<&Node>, condition: Option<&Node>) {
        match (filter, condition) {
            (None, None) => {}
            (Some(only), None) | (None, Some(only)) => {
                self.sql.push_str(" WHERE ");
                self.node(only);
            }
            (Some(filter), Some(condition)) => {
                self.sql.push_str(" WHERE ");
                let mut first = true;
                for node in [filter, condition] {
                    let items = match node {
                        Node::Logic("AND", operands) => &operands[..],
                        other => std::slice::from_ref(other),
                    };
                    for item in items {
                        if !first {
                            self.sql.push_str(" AND ");
                        }
                        first = false;
                        self.logic_operand(item);
                    }
                }
            }
        }
    }

    fn operand(&mut self, node: &Node) {
        let needs_parens = matches!(
            node,
            Node::Binary(..)
                | Node::Logic(..)
                | Node::Not(_)
                | Node::Between(..)
                | Node::Like { .. }
                | Node::Raw { .. }
        );
        if needs_parens {
            self.sql.push('(');
            self.node(node);
            self.sql.push(')');
        } else {
            self.node(node);
        }
    }
}

#[cfg(test)]
mod embed_tests {
    use super::SqlWriter;
    use std::sync::Arc;

    #[test]
    fn an_embedded_statement_numbers_its_parameters_on() {
        let mut w = SqlWriter::new(false);
        w.push("WITH a AS (SELECT ");
        w.param(Arc::new(1_i32));
        w.push(") ");
        w.embed(
            "SELECT \"a$1\", '$2', $1, x$1, $$ $1 $$, $2 -- $1\n",
            &[Arc::new(2_i32), Arc::new(3_i32)],
        );
        let (sql, params) = w.finish();
        assert_eq!(
            sql,
            "WITH a AS (SELECT $1) SELECT \"a$1\", '$2', $2, x$1, $$ $1 $$, $3 -- $1\n"
        );
        assert_eq!(params.len(), 3);
    }

    #[test]
    fn an_invalid_embedded_statement_makes_the_whole_invalid() {
        let mut w = SqlWriter::new(false);
        w.push("SELECT 1");
        w.embed(&crate::sql::invalid_statement("no rows to insert"), &[]);
        let (sql, _) = w.finish();
        assert_eq!(crate::sql::invalid_reason(&sql), Some("no rows to insert"));
    }
}
