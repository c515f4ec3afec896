//! Statement texts rendered once per shape. A write's text depends on its shape alone (the
//! table, which columns it sets, the operators and columns of its filter), not on its values,
//! which are bound parameters: an update of one row by key renders the same text every call.
//! [`Shape`] spells a statement's shape as a list of tokens and picks its parameters out in
//! the order the text binds them; [`Shape::text`] renders a shape the first time it is seen
//! on a thread and hands the same text back after.
//!
//! The whole shape is the key (compared word by word, never by hash alone), and a shape is
//! kept only when its first rendering bound exactly the parameters the shape picked, in the
//! same order: a statement whose text depends on anything the shape does not spell (a value
//! computed while rendering, a closure's SQL) is rendered every time instead.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use super::render::Node;
use crate::param::Param;

/// The most words a cached shape is spelled in, and the most parameters: a longer statement
/// renders every time.
const WORDS: usize = 40;
const PARAMS: usize = 12;

/// The most shapes one thread keeps. A program has few (its shapes are in its code), but a
/// filter built in a loop (`a OR b OR …` of any length) makes a new one each length: past the
/// limit, new shapes are rendered every time rather than kept.
const MAX_SHAPES: usize = 512;

/// The kinds of token a shape is spelled with, in a word's top four bits: a tag (a node's
/// variant, a flag, a separator), a name or operator the text spells (its length, then in a
/// word of its own its address: a `'static` string at one address always reads the same, and
/// the same name at two addresses is two shapes, each rendered once), a count or a column's
/// position, a bound parameter. Each token's first word says its kind and so whether a second
/// follows: two shapes are spelled alike exactly when their tokens are alike.
const TAG: u64 = 1 << 60;
const WORD: u64 = 2 << 60;
const INDEX: u64 = 3 << 60;
const PARAM: u64 = 4 << 60;
/// The bits below the kind.
const LOW: u64 = (1 << 60) - 1;

/// A statement's shape as it is spelled, and its parameters in the order the text binds them.
pub(crate) struct Shape<'a> {
    /// What kind of statement of which table (a marker type of the caller's).
    kind: TypeId,
    words: [u64; WORDS],
    len: usize,
    params: [Option<&'a Param>; PARAMS],
    count: usize,
    /// Whether every piece could be spelled (and fit).
    fits: bool,
}

/// The text of a shape, and the parameters to bind to it.
pub(crate) struct Rendered {
    pub(crate) text: Arc<str>,
    pub(crate) params: Vec<Param>,
}

/// A shape's text as a thread kept it, and the statement's parameters, by reference.
pub(crate) struct Kept<'a> {
    pub(crate) text: Arc<str>,
    picked: [Option<&'a Param>; PARAMS],
    count: usize,
}

impl Kept<'_> {
    /// The parameters, in the order the text binds them.
    pub(crate) fn params(&self) -> crate::exec::Params<'_> {
        crate::exec::Params::Picked(&self.picked[..self.count])
    }
}

impl From<(String, Vec<Param>)> for Rendered {
    fn from((text, params): (String, Vec<Param>)) -> Self {
        Rendered {
            text: text.into(),
            params,
        }
    }
}

/// The texts of one kind of statement, by shape.
type Texts = HashMap<Box<[u64]>, Arc<str>, crate::exec::TypeIdHash>;

thread_local! {
    static KINDS: RefCell<(HashMap<TypeId, Texts, crate::exec::TypeIdHash>, usize)> =
        RefCell::new((HashMap::default(), 0));
}

impl<'a> Shape<'a> {
    /// A shape of statements of kind `K` (a type of the caller's naming the statement and its
    /// table, such as `(UpdateShape, T)`).
    pub(crate) fn new<K: 'static>() -> Self {
        Shape {
            kind: TypeId::of::<K>(),
            words: [0; WORDS],
            len: 0,
            params: [None; PARAMS],
            count: 0,
            fits: true,
        }
    }

    fn push(&mut self, word: u64) {
        match self.words.get_mut(self.len) {
            Some(slot) => {
                *slot = word;
                self.len += 1;
            }
            None => self.fits = false,
        }
    }

    /// A token whose value fits below the kind's bits (else the shape is not kept).
    fn token(&mut self, kind: u64, value: u64) {
        if value > LOW {
            self.fits = false;
        }
        self.push(kind | (value & LOW));
    }

    pub(crate) fn tag(&mut self, tag: u8) {
        self.token(TAG, u64::from(tag));
    }

    pub(crate) fn flag(&mut self, flag: bool) {
        self.tag(u8::from(flag));
    }

    pub(crate) fn word(&mut self, word: &'static str) {
        self.token(WORD, word.len() as u64);
        self.push(word.as_ptr() as usize as u64);
    }

    pub(crate) fn index(&mut self, index: usize) {
        self.token(INDEX, index as u64);
    }

    pub(crate) fn param(&mut self, param: &'a Param) {
        self.push(PARAM);
        match self.params.get_mut(self.count) {
            Some(slot) => {
                *slot = Some(param);
                self.count += 1;
            }
            None => self.fits = false,
        }
    }

    /// A node that may be absent (a filter, a `WHERE` of a conflict clause).
    pub(crate) fn option_node(&mut self, node: Option<&'a Node>) {
        match node {
            Some(node) => {
                self.tag(1);
                self.node(node);
            }
            None => self.tag(0),
        }
    }

    pub(crate) fn option_word(&mut self, word: Option<&'static str>) {
        match word {
            Some(word) => self.word(word),
            None => self.tag(0),
        }
    }

    /// A node of an expression, its parameters picked in the order [`SqlWriter::node`]
    /// writes them. Nodes whose SQL a closure writes, raw SQL and invalid nodes are not
    /// spelled: their statement is rendered every time.
    ///
    /// [`SqlWriter::node`]: super::render::SqlWriter::node
    pub(crate) fn node(&mut self, node: &'a Node) {
        if !self.fits {
            return;
        }
        match node {
            Node::Column {
                schema,
                table,
                name,
            } => {
                self.tag(1);
                self.option_word(*schema);
                self.word(table);
                self.word(name);
            }
            Node::Param(param) => self.param(param),
            Node::Binary(left, op, right) => {
                self.tag(2);
                self.word(op);
                self.node(left);
                self.node(right);
            }
            Node::Logic(op, operands) => {
                self.tag(3);
                self.word(op);
                self.index(operands.len());
                for operand in operands {
                    self.node(operand);
                }
            }
            Node::Not(inner) => {
                self.tag(4);
                self.node(inner);
            }
            Node::IsNull(inner, negated) => {
                self.tag(5);
                self.flag(*negated);
                self.node(inner);
            }
            Node::InArray(inner, values, negated) => {
                self.tag(6);
                self.flag(*negated);
                self.node(inner);
                self.param(values);
            }
            Node::Between(value, low, high) => {
                self.tag(7);
                self.node(value);
                self.node(low);
                self.node(high);
            }
            Node::Like {
                expr,
                pattern,
                case_insensitive,
                negated,
            } => {
                self.tag(8);
                self.flag(*case_insensitive);
                self.flag(*negated);
                self.node(expr);
                self.node(pattern);
            }
            Node::Call { name, args, star } => {
                self.tag(9);
                self.word(name);
                self.flag(*star);
                self.index(args.len());
                for arg in args {
                    self.node(arg);
                }
            }
            Node::Keyword(word) => {
                self.tag(10);
                self.word(word);
            }
            Node::Excluded(name) => {
                self.tag(11);
                self.word(name);
            }
            Node::Concat(nodes) => {
                self.tag(12);
                self.index(nodes.len());
                for node in nodes {
                    self.node(node);
                }
            }
            Node::Raw { .. }
            | Node::Subquery(_)
            | Node::Written(_)
            | Node::Invalid(_)
            | Node::Exists(..)
            | Node::InSubquery(..) => self.fits = false,
        }
    }

    /// The text this thread rendered for the shape before, if any, and the parameters to bind
    /// to it, by reference.
    pub(crate) fn kept(&self) -> Option<Kept<'a>> {
        if !self.fits {
            return None;
        }
        let key = &self.words[..self.len];
        let text = KINDS.with(|kinds| kinds.borrow().0.get(&self.kind)?.get(key).cloned())?;
        Some(Kept {
            text,
            picked: self.params,
            count: self.count,
        })
    }

    /// The statement's text and parameters: the text this thread rendered for the shape
    /// before, else `render`'s (kept for the next call when it bound exactly the parameters
    /// the shape picked).
    pub(crate) fn text(self, render: impl FnOnce() -> (String, Vec<Param>)) -> Rendered {
        let picked = &self.params[..self.count];
        let params = || picked.iter().flatten().map(|p| Arc::clone(p)).collect();
        if !self.fits {
            let (text, params) = render();
            return Rendered {
                text: text.into(),
                params,
            };
        }
        if let Some(kept) = self.kept() {
            return Rendered {
                text: kept.text,
                params: params(),
            };
        }
        let key = &self.words[..self.len];
        let (text, rendered) = render();
        let text: Arc<str> = text.into();
        let same = rendered.len() == picked.len()
            && rendered
                .iter()
                .zip(picked.iter().flatten())
                .all(|(a, b)| Arc::ptr_eq(a, b));
        if same && crate::sql::invalid_reason(&text).is_none() {
            KINDS.with(|kinds| {
                let (kinds, count) = &mut *kinds.borrow_mut();
                if *count < MAX_SHAPES {
                    let texts = kinds.entry(self.kind).or_default();
                    if texts.insert(key.into(), Arc::clone(&text)).is_none() {
                        *count += 1;
                    }
                }
            });
        }
        Rendered {
            text,
            params: rendered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(v: i32) -> Param {
        Arc::new(v)
    }

    fn column(name: &'static str) -> Node {
        Node::Column {
            schema: None,
            table: "t",
            name,
        }
    }

    #[test]
    fn a_shape_is_rendered_once_and_its_parameters_picked_each_time() {
        struct Kind;
        let mut renders = 0;
        for value in [1, 2, 3] {
            let filter = Node::Binary(
                Box::new(column("a")),
                "=",
                Box::new(Node::Param(param(value))),
            );
            let mut shape = Shape::new::<Kind>();
            shape.node(&filter);
            let Node::Binary(_, _, right) = &filter else {
                unreachable!()
            };
            let Node::Param(bound) = &**right else {
                unreachable!()
            };
            let rendered = shape.text(|| {
                renders += 1;
                ("a = $1".to_string(), vec![bound.clone()])
            });
            assert_eq!(&*rendered.text, "a = $1");
            assert!(Arc::ptr_eq(&rendered.params[0], bound));
        }
        assert_eq!(renders, 1);
    }

    #[test]
    fn another_column_or_operator_is_another_shape() {
        struct Kind;
        let mut texts = Vec::new();
        for (name, op) in [("a", "="), ("b", "="), ("a", "<"), ("a", "=")] {
            let filter = Node::Binary(Box::new(column(name)), op, Box::new(Node::Param(param(1))));
            let mut shape = Shape::new::<Kind>();
            shape.node(&filter);
            let rendered = shape.text(|| {
                let Node::Binary(_, _, right) = &filter else {
                    unreachable!()
                };
                let Node::Param(bound) = &**right else {
                    unreachable!()
                };
                (format!("{name} {op} $1"), vec![bound.clone()])
            });
            texts.push(rendered.text.to_string());
        }
        assert_eq!(texts, ["a = $1", "b = $1", "a < $1", "a = $1"]);
    }

    #[test]
    fn a_rendering_that_binds_other_parameters_is_not_kept() {
        struct Kind;
        let mut renders = 0;
        for _ in 0..2 {
            let mut shape = Shape::new::<Kind>();
            shape.tag(1);
            let rendered = shape.text(|| {
                renders += 1;
                // A value made while rendering (as an on-update hook's): not the shape's.
                ("x = $1".to_string(), vec![param(renders)])
            });
            assert_eq!(rendered.params.len(), 1);
        }
        assert_eq!(renders, 2);
    }

    #[test]
    fn a_shape_too_long_is_rendered_every_time() {
        struct Kind;
        let operands: Vec<Node> = (0..PARAMS as i32 + 1)
            .map(|v| Node::Binary(Box::new(column("a")), "=", Box::new(Node::Param(param(v)))))
            .collect();
        let filter = Node::Logic("OR", operands);
        let mut renders = 0;
        for _ in 0..2 {
            let mut shape = Shape::new::<Kind>();
            shape.node(&filter);
            shape.text(|| {
                renders += 1;
                (String::from("…"), Vec::new())
            });
        }
        assert_eq!(renders, 2);
    }
}
