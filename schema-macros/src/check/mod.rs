//! Rules that need the whole table: keys, names and their lengths, combinations of attributes.
//! Rules about types are left to the compiler, through the bounds `expand` emits.

mod pg_enum;

pub use pg_enum::pg_enum;

use std::collections::BTreeMap;

use proc_macro2::Span;

use crate::attr::FkAction;
use crate::ctxt::Ctxt;
use crate::model::Table;

/// Whether a string default reads like SQL to run (`"now()"`, `"gen_random_uuid()"`,
/// `"CURRENT_TIMESTAMP"`) rather than a value: written as a string, it is stored as that text.
pub fn looks_like_a_call(text: &str) -> bool {
    let text = text.trim();
    let keyword = [
        "current_timestamp",
        "current_date",
        "current_time",
        "localtimestamp",
        "localtime",
        "current_user",
        "session_user",
    ]
    .iter()
    .any(|k| text.eq_ignore_ascii_case(k));
    let call = text.ends_with(')')
        && text.find('(').is_some_and(|open| {
            let name = text[..open].trim_end();
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        });
    keyword || call
}

/// PostgreSQL keeps identifiers of at most 63 bytes and truncates longer ones silently.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

pub fn table(cx: &Ctxt, table: &Table<'_>) {
    primary_key(cx, table);
    column_names(cx, table);
    identifier_lengths(cx, table);
    relation_names(cx, table);
    attribute_combinations(cx, table);
    relations(cx, table);
    foreign_key_actions(cx, table);
}

/// A view's rules: a query, indexes only when materialized, and columns that take only a name
/// or a type (a view has no keys, defaults or constraints).
pub fn view(cx: &Ctxt, table: &Table<'_>, view: &crate::attr::ViewAttrs) {
    column_names(cx, table);
    identifier_lengths(cx, table);
    if view.inline.is_some() {
        let others = [
            (view.sql.as_ref().map(|s| s.span), "sql"),
            (
                view.query.as_ref().map(syn::spanned::Spanned::span),
                "query",
            ),
            (view.materialized, "materialized"),
            (view.table.schema.as_ref().map(|s| s.span), "schema"),
            (view.table.indexes.first().map(|i| i.span), "index"),
        ];
        for (span, key) in others {
            if let Some(span) = span {
                cx.error_at(span, format!("an inline view has no `{key}`: it is not in the database, and its query is given where it is used (`Totals::query(…)`)"));
            }
        }
    } else {
        match (&view.sql, &view.query) {
        (Some(sql), Some(_)) => cx.error_at(sql.span, "a view has one query: `sql = \"…\"` or `query = a_function`, not both"),
        (Some(sql), None) if sql.value.trim().is_empty() => cx.error_at(sql.span, "the view's query is empty"),
        (None, None) => cx.error_at(
            view.span,
            "a view needs its query: `sql = \"SELECT id, email FROM users WHERE active\"`, or `query = active_users` naming a function that returns a builder query, or `inline` for rows given by a query where the struct is used",
        ),
        _ => {}
    }
    }
    if view.materialized.is_none() {
        if let Some(index) = view.table.indexes.first() {
            cx.error_at(
                index.span,
                "only a materialized view has indexes: add `materialized`, or remove the index",
            );
        }
    }
    for column in &table.columns {
        let a = &column.attrs;
        let not_for_views = [
            (a.primary_key, "primary_key"),
            (a.unique.as_ref().map(|u| u.span), "unique"),
            (a.index.as_ref().map(|i| i.span), "index"),
            (a.check.as_ref().map(|c| c.span), "check"),
            (a.default.as_ref().map(|d| d.span), "default"),
            (a.default_fn.as_ref().map(|d| d.span), "default_fn"),
            (a.identity.as_ref().map(|i| i.span), "identity"),
            (a.generated.as_ref().map(|g| g.span), "generated"),
            (
                a.references
                    .as_ref()
                    .map(|r| syn::spanned::Spanned::span(&r.path)),
                "references",
            ),
            (a.on_update.as_ref().map(|o| o.span), "on_update"),
            (a.renamed_from.as_ref().map(|r| r.span), "renamed_from"),
        ];
        for (span, key) in not_for_views {
            if let Some(span) = span {
                cx.error_at(span, format!("a view's column takes only `name` and a type (`varchar(n)`, `sql_type = …`), not `{key}`: the view's query decides its values"));
            }
        }
    }
}

/// `set_null` needs a nullable column and `set_default` a default: otherwise the action fails
/// when it fires (a delete of the referenced row), long after the schema compiled.
fn foreign_key_actions(cx: &Ctxt, table: &Table<'_>) {
    for fk in &table.foreign_keys {
        let column = &table.columns[fk.column];
        for (action, which) in [(&fk.on_delete, "on_delete"), (&fk.on_update, "on_update")] {
            let Some(action) = action else { continue };
            match action.value {
                FkAction::SetNull if !column.nullable => cx.error_at(
                    action.span,
                    format!(
                        "`{which} = set_null` on `{}`, which is NOT NULL: setting it to NULL would fail \
                         when the referenced row goes\nhelp: make the field an `Option<…>`, or choose \
                         another action (cascade, restrict, no_action)",
                        column.ident
                    ),
                ),
                FkAction::SetDefault if column.attrs.default.is_none() => cx.error_at(
                    action.span,
                    format!(
                        "`{which} = set_default` on `{}`, which has no default: it would be set to \
                         NULL{}\nhelp: declare `default = …` on the field, or choose another action \
                         (cascade, restrict, no_action)",
                        column.ident,
                        if column.nullable { "" } else { ", and it is NOT NULL" }
                    ),
                ),
                FkAction::SetNull
                | FkAction::SetDefault
                | FkAction::NoAction
                | FkAction::Restrict
                | FkAction::Cascade => {}
            }
        }
    }
}

/// Relation names are items of the table's module and methods of its struct: unique, and not a
/// field's name.
fn relations(cx: &Ctxt, table: &Table<'_>) {
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let belongs_to = table
        .columns
        .iter()
        .filter_map(|c| c.attrs.relation.as_ref());
    let declared = table.relations.iter().map(|r| &r.name);
    for name in belongs_to.chain(declared) {
        let text = name.to_string();
        if table.columns.iter().any(|c| c.ident == name) {
            cx.error_spanned_by(name, format!("the relation `{text}` has the name of a field; relations and columns share the table's module"));
        } else if seen.insert(text.clone(), ()).is_some() {
            cx.error_spanned_by(name, format!("a second relation named `{text}`"));
        }
    }
    for column in &table.columns {
        if let (Some(name), None) = (&column.attrs.relation, &column.attrs.references) {
            cx.error_spanned_by(
                name,
                "`relation` names a foreign key's relation: add `references = table::column`",
            );
        }
    }
    if !table.relations.is_empty() && table.single_key().is_none() && table.primary_key.is_some() {
        for relation in table.relations {
            cx.error_spanned_by(
                &relation.name,
                "relations to this table's rows need a single-column primary key",
            );
        }
    }
}

fn primary_key(cx: &Ctxt, table: &Table<'_>) {
    let Some(pk) = &table.primary_key else {
        if !table.columns.is_empty() || !cx.has_errors() {
            cx.error_spanned_by(
                &table.item.ident,
                format!(
                    "table `{}` has no primary key\nhelp: mark a field `#[column(primary_key)]`, or declare a composite key with `#[table(primary_key(a, b))]`",
                    table.sql_name.value
                ),
            );
        }
        return;
    };
    for &i in &pk.columns {
        let column = &table.columns[i];
        if column.nullable {
            cx.error_spanned_by(
                column.ty,
                format!(
                    "primary key column `{}` cannot be NULL, but its type is an `Option`\nhelp: make the field `{}`",
                    column.ident,
                    quote::ToTokens::to_token_stream(column.inner).to_string().replace(' ', "")
                ),
            );
        }
    }
}

fn column_names(cx: &Ctxt, table: &Table<'_>) {
    let mut seen: BTreeMap<&str, &syn::Ident> = BTreeMap::new();
    for column in &table.columns {
        let name = column.sql_name.value.as_str();
        if let Some(first) = seen.get(name) {
            cx.error_at(
                column.sql_name.span,
                format!(
                    "two columns are named \"{name}\": fields `{first}` and `{}`\nhelp: give one of them another name with `#[column(name = \"…\")]`",
                    column.ident
                ),
            );
        } else {
            seen.insert(name, column.ident);
        }
        if name.is_empty() {
            cx.error_at(column.sql_name.span, "a column name cannot be empty");
        }
    }
}

fn too_long(cx: &Ctxt, span: Span, what: &str, name: &str, help: &str) {
    if name.len() > MAX_IDENTIFIER_BYTES {
        cx.error_at(
            span,
            format!(
                "{what} \"{name}\" is {} bytes long; PostgreSQL truncates identifiers to {MAX_IDENTIFIER_BYTES} bytes\nhelp: {help}",
                name.len()
            ),
        );
    }
}

/// A domain's name within PostgreSQL's identifier limit.
pub fn domain_name(cx: &Ctxt, name: &str, span: proc_macro2::Span) {
    too_long(
        cx,
        span,
        "the domain name",
        name,
        "choose a shorter `name = \"…\"`",
    );
}

fn identifier_lengths(cx: &Ctxt, table: &Table<'_>) {
    let named = "give it a shorter name with `name = \"…\"`";
    too_long(
        cx,
        table.sql_name.span,
        "the table name",
        &table.sql_name.value,
        "choose a shorter `name = \"…\"`",
    );
    if let Some(schema) = &table.schema {
        too_long(
            cx,
            schema.span,
            "the schema name",
            &schema.value,
            "choose a shorter schema name",
        );
    }
    for partition in &table.partitions {
        too_long(
            cx,
            partition.span,
            "the partition name",
            &partition.name,
            "choose a shorter `partition(name = \"…\")`, or a shorter table name for `monthly` ones",
        );
    }
    for trigger in &table.triggers {
        if let Some(name) = &trigger.attr.name {
            too_long(
                cx,
                name.span,
                "the trigger name",
                &name.value,
                "choose a shorter `trigger(name = \"…\")`",
            );
        }
    }
    for column in &table.columns {
        too_long(
            cx,
            column.sql_name.span,
            "the column name",
            &column.sql_name.value,
            "choose a shorter `#[column(name = \"…\")]`",
        );
    }
    if let Some(pk) = &table.primary_key {
        too_long(
            cx,
            pk.span,
            "the generated primary key name",
            &pk.name,
            "shorten the table name",
        );
    }
    for unique in &table.uniques {
        too_long(
            cx,
            unique.span,
            "the unique constraint name",
            &unique.name,
            named,
        );
    }
    for index in &table.indexes {
        too_long(cx, index.span, "the index name", &index.name, named);
    }
    for fk in &table.foreign_keys {
        too_long(
            cx,
            fk.span,
            "the foreign key name",
            &fk.name,
            "name it with `references(table::column, name = \"…\")`",
        );
    }
    for check in &table.checks {
        too_long(
            cx,
            check.span,
            "the check constraint name",
            &check.name,
            "use a table check with a shorter name: `#[table(check(name = \"…\", sql = \"…\"))]`",
        );
    }
}

/// Indexes, unique constraints and the primary key are relations of one Postgres namespace.
fn relation_names(cx: &Ctxt, table: &Table<'_>) {
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    seen.insert(&table.sql_name.value, ());
    let pk = table.primary_key.iter().map(|p| (p.name.as_str(), p.span));
    let uniques = table.uniques.iter().map(|u| (u.name.as_str(), u.span));
    let indexes = table.indexes.iter().map(|i| (i.name.as_str(), i.span));
    for (name, span) in pk.chain(uniques).chain(indexes) {
        if seen.insert(name, ()).is_some() {
            cx.error_at(
                span,
                format!("the name \"{name}\" is already used by this table, its key, or another of its indexes\nhelp: give this one another name with `name = \"…\"`"),
            );
        }
    }
    let mut constraints: BTreeMap<&str, ()> = BTreeMap::new();
    for (name, span) in table
        .foreign_keys
        .iter()
        .map(|f| (f.name.as_str(), f.span))
        .chain(table.checks.iter().map(|c| (c.name.as_str(), c.span)))
    {
        if constraints.insert(name, ()).is_some() {
            cx.error_at(
                span,
                format!("two constraints of this table are named \"{name}\""),
            );
        }
    }
}

fn attribute_combinations(cx: &Ctxt, table: &Table<'_>) {
    for column in &table.columns {
        let attrs = &column.attrs;
        if let Some(span) = attrs.trigger.as_ref().map(|t| t.span) {
            if !matches!(
                attrs.on_update.as_ref().map(|o| &o.value),
                Some(crate::attr::OnUpdateAttr::Now)
            ) {
                cx.error_at(span, "`trigger` makes the database do `on_update = now`: add `on_update = now` beside it");
            }
        }
        if let Some(generated) = &attrs.generated {
            let others = [
                (attrs.default.is_some(), "`default`"),
                (attrs.default_fn.is_some(), "`default_fn`"),
                (attrs.identity.is_some(), "`identity`"),
                (attrs.on_update.is_some(), "`on_update`"),
            ];
            for (_, other) in others.iter().filter(|(present, _)| *present) {
                cx.error_at(
                    generated.span,
                    format!("a `generated` column is computed by the database from the row, so it takes no {other}: remove one of the two"),
                );
            }
        }
        if let Some(default_fn) = attrs
            .default_fn
            .as_ref()
            .filter(|_| attrs.generated.is_none())
        {
            let other = if attrs.default.is_some() {
                Some("a `default`: keep one of the two")
            } else if attrs.identity.is_some() {
                Some("`identity`, whose sequence gives the value: remove `default_fn`")
            } else {
                None
            };
            if let Some(other) = other {
                cx.error_at(
                    default_fn.span,
                    format!("`default_fn` gives the value of a column that also has {other}"),
                );
            }
        }
        if let (Some(identity), Some(default)) = (&attrs.identity, &attrs.default) {
            cx.error_at(default.span, "an `identity` column takes its values from its sequence and cannot have a `default`");
            let _ = identity;
        }
        if let Some(identity) = &attrs.identity {
            if column.nullable {
                cx.error_at(
                    identity.span,
                    "an `identity` column is NOT NULL; remove the `Option` from its type",
                );
            }
        }
    }
    for (renamed, name, what) in table
        .columns
        .iter()
        .filter_map(|c| {
            c.attrs
                .renamed_from
                .as_ref()
                .map(|r| (r, &c.sql_name, "column"))
        })
        .chain(
            table
                .renamed_from
                .as_ref()
                .map(|r| (r, &table.sql_name, "table")),
        )
    {
        if renamed.value == name.value {
            cx.error_at(
                renamed.span,
                format!(
                    "`renamed_from = \"{}\"` is the {what}'s own name: it names the {what}'s previous name\nhelp: remove `renamed_from` once the migration that renames it is generated",
                    renamed.value
                ),
            );
        }
    }
    if let Some(i) = table.soft_delete {
        let column = &table.columns[i];
        if !column.nullable {
            cx.error_spanned_by(
                column.ty,
                format!("the soft-delete column `{}` must be nullable: NULL marks a live row\nhelp: make it an `Option<…>`", column.ident),
            );
        }
    }
}
