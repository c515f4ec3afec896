//! Relations between tables, and eager loading in one statement.
//!
//! `#[table]` declares them: `relation = owner` on a foreign-key column (belongs-to),
//! `has_many(projects, by = projects::owner_id)`, `has_one(…)` and
//! `many_to_many(tags, through = task_tags::task_id, to = task_tags::tag_id, target = tags::id)` on
//! the table. Each becomes a [`Relation`] constant in the table's module (`users::projects`) and an
//! accessor method on the struct (`user.projects()`, a `Select` to refine and run).
//!
//! `User::select().with(users::projects.with(projects::owner))` loads users with their projects
//! and each project's owner in **one** statement: each relation is an `ARRAY(SELECT ROW(…) …)`
//! (or a `(SELECT ROW(…) …)` for a single row) correlated with its parent, read back in
//! PostgreSQL's binary format and decoded into typed values. No N+1, no JSON in between.

mod batched;
mod load;

use std::marker::PhantomData;
use std::sync::Arc;

pub use crate::row::{FromRecord, Record, RecordValue, RelationValue};
pub use batched::Batched;
pub use load::{RelationAmongColumns, WithAfterColumns};

use crate::query::expr::{Expr, Node};
use crate::query::render::SqlWriter;
use crate::query::select::IntoOrder;
use crate::query::soft_delete::Deleted;
use crate::schema::Table;

/// Many child rows per parent row: `Vec<Child>`.
#[derive(Debug)]
pub enum HasMany {}
/// At most one child row per parent row: `Option<Child>`.
#[derive(Debug)]
pub enum HasOne {}
/// The parent row a foreign key points at: `Option<Parent>` (absent when the key is NULL, or
/// the parent is soft-deleted).
#[derive(Debug)]
pub enum BelongsTo {}
/// Rows related through a join table: `Vec<Target>`.
#[derive(Debug)]
pub enum ManyToMany {}

/// How many rows a relation loads, and so what it decodes into.
pub trait Cardinality {
    type Wrap<I>: RelationValue
    where
        I: RecordValue;
    #[doc(hidden)]
    const MANY: bool;
    /// The value from a parent's related rows, in order (batched loading).
    #[doc(hidden)]
    fn collect<I: RecordValue>(items: Vec<I>) -> Self::Wrap<I>;
}

impl Cardinality for HasMany {
    type Wrap<I>
        = Vec<I>
    where
        I: RecordValue;
    const MANY: bool = true;

    fn collect<I: RecordValue>(items: Vec<I>) -> Self::Wrap<I> {
        items
    }
}

impl Cardinality for ManyToMany {
    type Wrap<I>
        = Vec<I>
    where
        I: RecordValue;
    const MANY: bool = true;

    fn collect<I: RecordValue>(items: Vec<I>) -> Self::Wrap<I> {
        items
    }
}

impl Cardinality for HasOne {
    type Wrap<I>
        = Option<I>
    where
        I: RecordValue;
    const MANY: bool = false;

    fn collect<I: RecordValue>(items: Vec<I>) -> Self::Wrap<I> {
        items.into_iter().next()
    }
}

impl Cardinality for BelongsTo {
    type Wrap<I>
        = Option<I>
    where
        I: RecordValue;
    const MANY: bool = false;

    fn collect<I: RecordValue>(items: Vec<I>) -> Self::Wrap<I> {
        items.into_iter().next()
    }
}

/// A join table between a relation's two sides.
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub struct Through {
    pub schema: Option<&'static str>,
    pub table: &'static str,
    /// The join table's column that points at the parent.
    pub from: &'static str,
    /// The join table's column that points at the child.
    pub to: &'static str,
}

/// A relation from rows of `P` to rows of `C` (`K`: how many), with the relations to load
/// under each `C` (`N`: `()`, or a tuple of relations of `C`).
pub struct Relation<P, C, K, N = ()> {
    name: &'static str,
    /// The child's column that the join condition compares (its foreign key, or for
    /// belongs-to and many-to-many its referenced key).
    child_key: &'static str,
    /// The parent's column that the join condition compares.
    parent_key: &'static str,
    through: Option<Through>,
    filter: Option<Node>,
    order: Vec<(Node, bool, Option<bool>)>,
    limit: Option<i64>,
    /// Related rows skipped per parent row, in the relation's order.
    offset: Option<i64>,
    deleted: Deleted,
    nested: N,
    _marker: Markers<P, C, K>,
}

type Markers<P, C, K> = PhantomData<fn() -> (P, C, K)>;

impl<P, C, K, N: Clone> Clone for Relation<P, C, K, N> {
    fn clone(&self) -> Self {
        Relation {
            name: self.name,
            child_key: self.child_key,
            parent_key: self.parent_key,
            through: self.through,
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            deleted: self.deleted,
            nested: self.nested.clone(),
            _marker: PhantomData,
        }
    }
}

impl<P, C, K, N> std::fmt::Debug for Relation<P, C, K, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relation({})", self.name)
    }
}

impl<P, C, K> Relation<P, C, K, ()> {
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        child_key: &'static str,
        parent_key: &'static str,
        through: Option<Through>,
    ) -> Self {
        Relation {
            name,
            child_key,
            parent_key,
            through,
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            deleted: Deleted::Live,
            nested: (),
            _marker: PhantomData,
        }
    }
}

impl<P, C, K, N> Relation<P, C, K, N> {
    /// The relation's name, as declared.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Only the related rows that match (`AND`ed with an earlier filter).
    pub fn filter(mut self, condition: Expr<C, bool>) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(existing) => crate::query::expr::logic("AND", existing, condition.node),
            None => condition.node,
        });
        self
    }

    /// Orders the related rows (called again, adds a key).
    pub fn order_by<I>(mut self, order: impl IntoOrder<C, I>) -> Self {
        let order = order.into_order();
        let (node, desc, nulls) = order.into_parts();
        self.order.push((node, desc, nulls));
        self
    }

    /// At most `limit` related rows per parent row.
    pub fn limit(mut self, limit: i64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` related rows of each parent row, in the relation's order
    /// (give it one with `order_by`): with `limit`, a page of each parent's rows.
    pub fn offset(mut self, offset: i64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Loads soft-deleted related rows too.
    #[rustfmt::skip] // one line, so that the compile error quotes it in one line
    pub fn with_deleted(mut self) -> Self where (): crate::schema::SoftDeleteOf<C> {
        self.deleted = Deleted::All;
        self
    }

    /// Loads `relation` under each related row.
    pub fn with<R>(self, relation: R) -> Relation<P, C, K, <N as Push<R>>::Output>
    where
        R: LoadRelation<C>,
        N: Push<R>,
    {
        Relation {
            name: self.name,
            child_key: self.child_key,
            parent_key: self.parent_key,
            through: self.through,
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            deleted: self.deleted,
            nested: self.nested.push(relation),
            _marker: PhantomData,
        }
    }
}

/// Adds a relation to a tuple of nested relations: up to [`MAX_RELATIONS`] under one row.
#[diagnostic::on_unimplemented(
    message = "at most 8 relations load side by side under one relation",
    label = "a ninth relation",
    note = "load the others with a relation of their own, nested one level down, or with a second query"
)]
pub trait Push<R> {
    type Output;
    fn push(self, relation: R) -> Self::Output;
}

/// How many relations load side by side, at the top of a query or under one relation.
pub const MAX_RELATIONS: usize = 8;

impl<R> Push<R> for () {
    type Output = (R,);
    fn push(self, relation: R) -> (R,) {
        (relation,)
    }
}

macro_rules! push {
    ($($name:ident),+) => {
        impl<$($name,)+ R> Push<R> for ($($name,)+) {
            type Output = ($($name,)+ R);
            #[allow(non_snake_case)]
            fn push(self, relation: R) -> Self::Output {
                let ($($name,)+) = self;
                ($($name,)+ relation)
            }
        }
    };
}

push!(A);
push!(A, B);
push!(A, B, D);
push!(A, B, D, E);
push!(A, B, D, E, F);
push!(A, B, D, E, F, G);
push!(A, B, D, E, F, G, H);

/// The relations loaded under each row of `C`, and what a row then decodes into.
pub trait Nested<C> {
    /// `C`, or `(C, …)` with each nested relation's value.
    type Item: RecordValue;
    #[doc(hidden)]
    fn write(&self, w: &mut SqlWriter, parent: &str);
    /// The item from plain columns of a row, from `start` on: `C`'s columns, then one column
    /// a nested relation (batched loading).
    #[doc(hidden)]
    fn decode_row(
        row: &tokio_postgres::Row,
        start: usize,
    ) -> Result<Self::Item, crate::exec::Error>
    where
        C: crate::exec::FromRow;
}

impl<C: FromRecord> Nested<C> for () {
    type Item = C;
    fn write(&self, _: &mut SqlWriter, _: &str) {}
    fn decode_row(row: &tokio_postgres::Row, start: usize) -> Result<C, crate::exec::Error>
    where
        C: crate::exec::FromRow,
    {
        C::from_row(row, start)
    }
}

macro_rules! nested {
    ($($name:ident),+) => {
        impl<C: FromRecord, $($name: LoadRelation<C>),+> Nested<C> for ($($name,)+) {
            type Item = (C, $($name::Output),+);
            #[allow(non_snake_case)]
            fn write(&self, w: &mut SqlWriter, parent: &str) {
                let ($($name,)+) = self;
                $(
                    w.push(", ");
                    $name.write(w, parent);
                )+
            }
            #[allow(non_snake_case)]
            fn decode_row(row: &tokio_postgres::Row, start: usize) -> Result<Self::Item, crate::exec::Error>
            where
                C: crate::exec::FromRow,
            {
                let mut at = start + <C as crate::exec::FromRow>::WIDTH;
                let item = C::from_row(row, start)?;
                $(
                    let $name: $name::Output = load::decode_relation(row, at)?;
                    at += 1;
                )+
                let _ = at;
                Ok((item, $($name),+))
            }
        }
    };
}

nested!(A);
nested!(A, B);
nested!(A, B, D);
nested!(A, B, D, E);
nested!(A, B, D, E, F);
nested!(A, B, D, E, F, G);
nested!(A, B, D, E, F, G, H);
nested!(A, B, D, E, F, G, H, J);

/// A relation that rows of `P` can load.
#[diagnostic::on_unimplemented(
    message = "this relation is not one of `{P}`: `with` loads a relation of the table the query selects",
    label = "not a relation of `{P}`",
    note = "`with` takes a relation declared on the table being queried (`users::projects` for `User::select()`)"
)]
pub trait LoadRelation<P>: Send + Sync + 'static {
    /// What the relation decodes into for one parent row.
    type Output: RelationValue;
    /// Writes the relation as one value of the parent's row; `parent` is how the parent table
    /// is named in the enclosing scope (its name, or an alias).
    #[doc(hidden)]
    fn write(&self, w: &mut SqlWriter, parent: &str);
}

/// `Q: OfTable<P>`: a query of `Q` loads a relation of `P` only when they are the same table. (A
/// bound of its own, so that the compile error names both tables.)
#[diagnostic::on_unimplemented(
    message = "this is a relation of `{P}`, and the query selects `{Self}`",
    label = "a relation of `{P}`",
    note = "`with` takes a relation of the table being queried (`users::projects` for `User::select()`)"
)]
pub trait OfTable<P> {}

#[diagnostic::do_not_recommend]
impl<T> OfTable<T> for T {}

#[rustfmt::skip] // one line, so that a compile error quotes it in one line
impl<Q: OfTable<P> + 'static, P: Table, C: Table + FromRecord, K: Cardinality + 'static, N: Nested<C> + Send + Sync + 'static> LoadRelation<Q> for Relation<P, C, K, N> {
    type Output = K::Wrap<N::Item>;

    fn write(&self, w: &mut SqlWriter, parent: &str) {
        let child_name: &'static str = C::table().name.as_ref();
        let alias = format!("t{}", w.depth() + 1);
        w.push(if K::MANY {
            "ARRAY(SELECT ROW("
        } else {
            "(SELECT ROW("
        });
        w.push_alias(child_name, alias.clone());
        self.write_fields(w, &alias);
        w.push(")");
        self.write_source(w, &alias);
        w.push(" WHERE ");
        self.write_key(w, &alias);
        w.push(" = ");
        w.ident(parent);
        w.push(".");
        w.ident(self.parent_key);
        self.write_conditions(w, &alias);
        w.order_by(&self.order);
        match (self.limit, K::MANY) {
            (Some(limit), _) => {
                w.push(" LIMIT ");
                w.param(Arc::new(limit));
            }
            (None, false) => w.push(" LIMIT 1"),
            (None, true) => {}
        }
        if let Some(offset) = self.offset {
            w.push(" OFFSET ");
            w.param(Arc::new(offset));
        }
        w.pop_alias();
        w.push(")");
    }
}

/// The pieces of a relation's SQL, shared by eager and batched loading; the child table is
/// read as `alias`.
impl<P, C, K, N> Relation<P, C, K, N>
where
    C: Table + FromRecord,
    N: Nested<C>,
{
    /// The child's columns, then the values of its nested relations: a `ROW(…)`'s fields.
    fn write_fields(&self, w: &mut SqlWriter, alias: &str) {
        let child = C::table();
        for (i, column) in child.columns.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.column(None, &child.name, &column.name);
        }
        self.nested.write(w, alias);
    }

    /// ` FROM child AS alias`, joined to the join table (`alias_j`) for many-to-many.
    fn write_source(&self, w: &mut SqlWriter, alias: &str) {
        let child = C::table();
        w.push(" FROM ");
        w.table(child.schema.as_deref(), &child.name);
        w.push(" AS ");
        w.ident(alias);
        if let Some(through) = &self.through {
            let join_alias = format!("{alias}_j");
            w.push(" INNER JOIN ");
            w.table(through.schema, through.table);
            w.push(" AS ");
            w.ident(&join_alias);
            w.push(" ON ");
            w.ident(&join_alias);
            w.push(".");
            w.ident(through.to);
            w.push(" = ");
            w.ident(alias);
            w.push(".");
            w.ident(self.child_key);
        }
    }

    /// The column a related row is matched to its parent by: the child's key, or for
    /// many-to-many the join table's column that points at the parent.
    fn write_key(&self, w: &mut SqlWriter, alias: &str) {
        match &self.through {
            Some(through) => {
                w.ident(&format!("{alias}_j"));
                w.push(".");
                w.ident(through.from);
            }
            None => {
                w.ident(alias);
                w.push(".");
                w.ident(self.child_key);
            }
        }
    }

    /// ` AND alias.deleted_at IS NULL` (unless soft-deleted rows are asked for), ` AND (filter)`.
    fn write_conditions(&self, w: &mut SqlWriter, alias: &str) {
        if let Some((column, deleted)) = self.deleted.test(C::table()) {
            w.push(" AND ");
            w.ident(alias);
            w.push(".");
            w.ident(column);
            w.push(if deleted { " IS NOT NULL" } else { " IS NULL" });
        }
        if let Some(filter) = &self.filter {
            w.push(" AND ");
            w.logic_operand(filter);
        }
    }
}

/// Marker of [`Selection`](crate::query::selection::Selection) for a relation among a query's
/// columns; inferred, never written.
#[derive(Debug)]
pub struct RelationOf<I>(PhantomData<I>);

/// A relation among the columns of a query: `.columns((users::id, users::name.lower(),
/// users::projects))` reads `(Uuid, String, Vec<Project>)` rows, the relation loaded in the same
/// statement as by `with` (nested relations, filters, order and limits too). Its parent table is
/// one of the query's.
#[diagnostic::do_not_recommend]
impl<S, I, P, C, K, N> crate::query::selection::Selection<S, RelationOf<I>> for Relation<P, C, K, N>
where
    P: Table + crate::query::expr::InSource<S, I>,
    N: Clone,
    Relation<P, C, K, N>: LoadRelation<P>,
{
    type Output = <Self as LoadRelation<P>>::Output;
    type Grouping = crate::query::selection::Plain;
    const WIDTH: usize = 1;

    fn nodes(&self) -> Vec<Node> {
        let relation = self.clone();
        let parent: &'static str = P::table().name.as_ref();
        vec![Node::Written(Arc::new(move |w: &mut SqlWriter| {
            relation.write(w, parent)
        }))]
    }

    fn decode(row: &tokio_postgres::Row, start: usize) -> Result<Self::Output, crate::exec::Error> {
        load::decode_relation(row, start)
    }
}
