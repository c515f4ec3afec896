//! The schema model and the traits that tie Rust types to it.
//!
//! `#[table]` emits an [`impl Table`](Table) whose [`Table::DEF`] is a [`TableDef`] constant;
//! `#[pg_enum]` emits an [`impl PgEnum`](PgEnum). A [`Schema`] gathers tables, the enums their
//! columns use and the extensions they need; it is what migrations snapshot and diff.

mod model;
mod partition;
mod routine;
mod sql_type;
mod value;

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

pub use model::*;
pub use partition::*;
pub use routine::*;
pub use value::*;

/// A table that declares `#[table(soft_delete = column)]`: deleting sets that column, and reads
/// leave such rows out. The soft-delete methods (`with_deleted`, `only_deleted`, `restore`,
/// `hard_delete`) exist only for these tables.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no soft delete, so rows are never hidden or restored",
    label = "a soft-delete method on a table without soft delete",
    note = "declare it on the table, `#[table(soft_delete = deleted_at)]` with a field `deleted_at: Option<TimestampTz>`, or leave this method out: `delete()` removes rows"
)]
pub trait SoftDelete: Table {}

/// `(): SoftDeleteOf<T>` holds when `T` declares soft delete: the bound the soft-delete methods
/// carry, on a type of this crate, so that the compile error names `T` and the fix in a few
/// lines (a bound on `T` itself also quotes where `T` is declared).
#[diagnostic::on_unimplemented(
    message = "`{T}` has no soft delete, so rows are never hidden or restored",
    label = "a soft-delete method, and `{T}` declares no `soft_delete`",
    note = "declare it on the table, `#[table(soft_delete = deleted_at)]` with a field `deleted_at: Option<TimestampTz>`, or leave this method out: `delete()` removes rows"
)]
pub trait SoftDeleteOf<T> {}

#[diagnostic::do_not_recommend]
impl<T: SoftDelete> SoftDeleteOf<T> for () {}

/// A Rust type declared with `#[table]`: the table's place in the schema model. What queries
/// need of it beyond that ([`KeyFilter`](crate::query::KeyFilter), `FromRow`) `#[table]` emits
/// beside it.
pub trait Table: Sized + 'static {
    /// The table as the schema model describes it.
    const DEF: TableDef;

    /// Every column, quoted, in order (`"id", "email", …`): what a plain `SELECT` lists.
    #[doc(hidden)]
    const COLUMN_LIST: &'static str;

    /// The primary key's Rust type (a tuple for a composite key).
    type Key;

    /// [`Table::DEF`] in a static: what the query builders read, without copying the constant.
    fn table() -> &'static TableDef;

    /// Adds the enums and extensions that the table's column types need to `schema`.
    /// (The table itself is added by [`Schema::table`].)
    fn register_types(schema: &mut Schema);

    /// Whether the type is a `#[view]`: read like a table, never written, added to a schema with
    /// [`Schema::view`].
    #[doc(hidden)]
    const IS_VIEW: bool = false;

    /// The values of the `on_update = some_fn` columns, computed once per statement.
    fn on_update_values() -> Vec<(&'static str, crate::param::Param)> {
        Vec::new()
    }
}

/// A struct declared with `#[view]`: a view or materialized view, selected from like a table.
pub trait View: Table {
    /// The view in the schema model (its query rendered, when the query builder writes it).
    fn view() -> ViewDef;
}

/// A materialized view, which `refresh` fills again.
pub trait Materialized: View {}

/// `(): MaterializedOf<V>` holds when `V` is a materialized view: the bound of `refresh`, on a
/// type of this crate, so that the compile error is short and names `V`.
#[diagnostic::on_unimplemented(
    message = "`{V}` is a plain view: its rows are always current, there is nothing to refresh",
    label = "not a materialized view",
    note = "declare it `#[view(materialized, …)]` to keep its rows until refreshed"
)]
pub trait MaterializedOf<V> {}

#[diagnostic::do_not_recommend]
impl<V: Materialized> MaterializedOf<V> for () {}

/// A newtype declared with `#[domain]`.
pub trait Domain: Sized + 'static {
    const DEF: DomainDef;
}

/// A Rust enum declared with `#[pg_enum]`.
pub trait PgEnum: Sized + 'static {
    const DEF: EnumDef;
}

/// A set of tables with the enums and extensions they use: what migrations snapshot and diff.
///
/// Kept in a canonical order (extensions, enums and tables sorted by name), so that equal
/// schemas serialise to equal bytes whatever order they were declared in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    #[serde(default)]
    pub extensions: Vec<Str>,
    #[serde(default)]
    pub enums: Vec<EnumDef>,
    #[serde(default)]
    pub tables: Vec<TableDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequences: Vec<SequenceDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ViewDef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<DomainDef>,
    /// Functions written by hand, in name order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<FunctionDef>,
}

impl Schema {
    pub fn new() -> Self {
        Schema::default()
    }

    /// Adds a `#[table]` type and the enums and extensions its columns use.
    pub fn table<T: Table>(mut self) -> Self {
        const {
            assert!(
                !T::IS_VIEW,
                "a `#[view]` is added to the schema with `.view::<…>()`, not `.table::<…>()`"
            )
        };
        T::register_types(&mut self);
        self.add_table(T::DEF);
        self
    }

    /// Adds an extension the schema needs beyond those its types imply (`pg_trgm`, say).
    pub fn extension(mut self, name: &'static str) -> Self {
        self.add_extension(name);
        self
    }

    /// Adds a `#[view]` type (a view or materialized view), after the tables it reads.
    pub fn view<V: View>(mut self) -> Self {
        V::register_types(&mut self);
        self.add_view(V::view());
        self
    }

    /// Adds a view, kept in name order.
    pub fn add_view(&mut self, def: ViewDef) {
        if self.views.contains(&def) {
            return;
        }
        let key = |v: &ViewDef| (v.relation.schema.clone(), v.relation.name.clone());
        let at = self.views.partition_point(|v| key(v) <= key(&def));
        self.views.insert(at, def);
    }

    /// Adds a `#[domain]` type that no column uses (yet).
    pub fn domain<D: Domain>(mut self) -> Self {
        self.add_domain(D::DEF);
        self
    }

    /// Adds a domain once (what a `#[domain]` column's type registers), kept in name order.
    pub fn add_domain(&mut self, def: DomainDef) {
        if self.domains.contains(&def) {
            return;
        }
        let key = |d: &DomainDef| (d.schema.clone(), d.name.clone());
        let at = self.domains.partition_point(|d| key(d) <= key(&def));
        self.domains.insert(at, def);
    }

    /// Adds a function written by hand (a trigger's, or one that queries, checks or defaults
    /// call).
    pub fn function(mut self, def: FunctionDef) -> Self {
        self.add_function(def);
        self
    }

    /// Adds a function, kept in order of name and arguments; the same definition twice is kept
    /// once.
    pub fn add_function(&mut self, def: FunctionDef) {
        if self.functions.contains(&def) {
            return;
        }
        let key = |f: &FunctionDef| (f.schema.clone(), f.name.clone(), f.arguments.clone());
        let at = self.functions.partition_point(|f| key(f) <= key(&def));
        self.functions.insert(at, def);
    }

    /// Adds a sequence declared on its own.
    pub fn sequence(mut self, def: SequenceDef) -> Self {
        self.add_sequence(def);
        self
    }

    /// Adds a sequence, kept in name order; the same definition twice is kept once.
    pub fn add_sequence(&mut self, def: SequenceDef) {
        if self.sequences.contains(&def) {
            return;
        }
        let at = self.sequences.partition_point(|s| {
            (s.schema.as_deref(), &*s.name) <= (def.schema.as_deref(), &*def.name)
        });
        self.sequences.insert(at, def);
    }

    /// Adds a `#[pg_enum]` type that no column uses (yet).
    pub fn pg_enum<E: PgEnum>(mut self) -> Self {
        self.add_enum(E::DEF);
        self
    }

    pub fn add_table(&mut self, table: TableDef) {
        for column in table.columns.iter() {
            if let Some(ext) = column.sql_type.extension() {
                self.add_extension(ext);
            }
        }
        for index in table.indexes.iter() {
            if let Some(ext) = index.method.extension() {
                self.add_extension(ext);
            }
        }
        let at = self.tables.partition_point(|t| {
            (t.schema.as_deref(), &*t.name) < (table.schema.as_deref(), &*table.name)
        });
        self.tables.insert(at, table);
    }

    /// Adds an enum once; adding the same definition again is a no-op. Two different
    /// definitions under one name are kept, and [`Schema::validate`] reports them.
    pub fn add_enum(&mut self, def: EnumDef) {
        if self.enums.contains(&def) {
            return;
        }
        let at = self.enums.partition_point(|e| {
            (e.schema.as_deref(), &*e.name) <= (def.schema.as_deref(), &*def.name)
        });
        self.enums.insert(at, def);
    }

    pub fn add_extension(&mut self, name: &'static str) {
        if let Err(at) = self.extensions.binary_search_by(|e| (**e).cmp(name)) {
            self.extensions.insert(at, Str::Borrowed(name));
        }
    }

    pub fn find_table(&self, name: &QualifiedName) -> Option<&TableDef> {
        self.tables.iter().find(|t| {
            t.name == name.name
                && t.schema.as_deref().unwrap_or("public") == name.schema_or_public()
        })
    }

    /// The Postgres schemas (namespaces) other than `public` that tables or enums live in.
    pub fn namespaces(&self) -> BTreeSet<&str> {
        let tables = self.tables.iter().filter_map(|t| t.schema.as_deref());
        let enums = self.enums.iter().filter_map(|e| e.schema.as_deref());
        let sequences = self.sequences.iter().filter_map(|s| s.schema.as_deref());
        let views = self
            .views
            .iter()
            .filter_map(|v| v.relation.schema.as_deref());
        tables
            .chain(enums)
            .chain(sequences)
            .chain(views)
            .chain(self.domains.iter().filter_map(|d| d.schema.as_deref()))
            .chain(self.functions.iter().filter_map(|f| f.schema.as_deref()))
            .filter(|s| *s != "public")
            .collect()
    }

    /// Checks what no single `#[table]` can see: that names are unique across the schema and
    /// that every foreign key points at a table of the schema, at columns that exist.
    pub fn validate(&self) -> Result<(), SchemaErrors> {
        let mut errors = Vec::new();
        let mut seen_tables = BTreeSet::new();
        for table in &self.tables {
            let name = table.qualified_name();
            if !seen_tables.insert((name.schema_or_public().to_string(), name.name.to_string())) {
                errors.push(format!("table {} is declared twice", display_name(&name)));
            }
        }
        let mut seen_enums = BTreeSet::new();
        for def in &self.enums {
            let name = def.qualified_name();
            if !seen_enums.insert((name.schema_or_public().to_string(), name.name.to_string())) {
                errors.push(format!(
                    "enum {} is declared twice with different labels",
                    display_name(&name)
                ));
            }
        }
        // Index and constraint names share one namespace per Postgres schema.
        let mut relation_names = BTreeSet::new();
        for table in &self.tables {
            let ns = table.schema.as_deref().unwrap_or("public");
            let own = std::iter::once(&*table.name)
                .chain(table.indexes.iter().map(|i| &*i.name))
                .chain(table.uniques.iter().map(|u| &*u.name))
                .chain(table.primary_key.iter().map(|p| &*p.name))
                .chain(table.partitions.iter().map(|p| &*p.name));
            for name in own {
                if !relation_names.insert((ns, name)) {
                    errors.push(format!(
                        "the name \"{name}\" (in table {}) is used twice in schema \"{ns}\"; \
                         tables, partitions, indexes, primary keys and unique constraints share one namespace",
                        display_name(&table.qualified_name())
                    ));
                }
            }
            for fk in table.foreign_keys.iter() {
                let Some(target) = self.find_table(&fk.references) else {
                    errors.push(format!(
                        "foreign key \"{}\" of table {} references table {}, which is not in the schema; \
                         add it with `.table::<…>()`",
                        fk.name,
                        display_name(&table.qualified_name()),
                        display_name(&fk.references)
                    ));
                    continue;
                };
                for column in fk.referenced_columns.iter() {
                    if target.column(column).is_none() {
                        errors.push(format!(
                            "foreign key \"{}\" references column \"{column}\" of {}, which has no such column",
                            fk.name,
                            display_name(&fk.references)
                        ));
                    }
                }
            }
            for column in table.columns.iter() {
                if let SqlType::Enum(name) = &column.sql_type {
                    let known = self.enums.iter().any(|e| {
                        e.name == name.name
                            && e.schema.as_deref().unwrap_or("public") == name.schema_or_public()
                    });
                    if !known {
                        errors.push(format!(
                            "column \"{}\" of table {} has enum type {}, which is not in the schema",
                            column.name,
                            display_name(&table.qualified_name()),
                            display_name(name)
                        ));
                    }
                }
                if let Some(DefaultValue::NextVal(sequence)) = &column.default {
                    let known = self.sequences.iter().any(|s| {
                        s.name == sequence.name
                            && s.schema.as_deref().unwrap_or("public")
                                == sequence.schema_or_public()
                    });
                    if !known {
                        errors.push(format!(
                            "column \"{}\" of table {} takes its default from sequence {}, which is not in the schema; \
                             add it with `.sequence(SequenceDef::new(\"{}\"))`",
                            column.name,
                            display_name(&table.qualified_name()),
                            display_name(sequence),
                            sequence.name
                        ));
                    }
                }
            }
        }
        for view in &self.views {
            if let Some(reason) = crate::sql::invalid_reason(&view.sql) {
                errors.push(format!(
                    "view {}: {reason}",
                    display_name(&view.qualified_name())
                ));
            }
        }
        let mut seen_functions = BTreeSet::new();
        for def in &self.functions {
            let name = def.qualified_name();
            let identity = (
                name.schema_or_public().to_string(),
                name.name.to_string(),
                def.arguments.to_string(),
            );
            if !seen_functions.insert(identity) {
                errors.push(format!(
                    "function {}({}) is declared twice with different definitions",
                    display_name(&name),
                    def.arguments
                ));
            }
        }
        for table in &self.tables {
            for trigger in table.triggers.iter() {
                let declared = self.functions.iter().find(|f| {
                    f.name == trigger.function.name
                        && f.schema.as_deref().unwrap_or("public")
                            == trigger.function.schema_or_public()
                });
                if let Some(function) = declared {
                    if !function.returns.eq_ignore_ascii_case("trigger") {
                        errors.push(format!(
                            "trigger \"{}\" of table {} calls function {}, which returns {}: a trigger's function returns `trigger`",
                            trigger.name,
                            display_name(&table.qualified_name()),
                            display_name(&function.qualified_name()),
                            function.returns
                        ));
                    }
                }
            }
        }
        let mut seen_sequences = BTreeSet::new();
        for def in &self.sequences {
            let name = def.qualified_name();
            if !seen_sequences.insert((name.schema_or_public().to_string(), name.name.to_string()))
            {
                errors.push(format!(
                    "sequence {} is declared twice with different options",
                    display_name(&name)
                ));
            }
            if let Some(owner) = &def.owned_by {
                if owner.table.schema_or_public() != name.schema_or_public() {
                    errors.push(format!(
                        "sequence {} is owned by a column of {}: PostgreSQL keeps a sequence in its owner's schema",
                        display_name(&name),
                        display_name(&owner.table)
                    ));
                } else if self
                    .find_table(&owner.table)
                    .and_then(|t| t.column(&owner.column))
                    .is_none()
                {
                    errors.push(format!(
                        "sequence {} is owned by {}.\"{}\", which is not a column of the schema",
                        display_name(&name),
                        display_name(&owner.table),
                        owner.column
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(SchemaErrors(errors))
        }
    }
}

fn display_name(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("\"{schema}\".\"{}\"", name.name),
        None => format!("\"{}\"", name.name),
    }
}

/// What [`Schema::validate`] found, one message per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaErrors(pub Vec<String>);

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the schema is not valid:")?;
        for error in &self.0 {
            write!(f, "\n  - {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaErrors {}
