//! `#[table(…)]`: the table's own attributes (name, keys, uniques, checks, indexes, relations).

use proc_macro2::{Ident, Span};
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{parenthesized, LitStr, Path, Token};

use super::parse::*;
use super::*;
use crate::ctxt::Ctxt;

#[derive(Default)]
pub struct TableAttrs {
    pub name: Option<Sp<String>>,
    pub schema: Option<Sp<String>>,
    pub module: Option<Ident>,
    pub renamed_from: Option<Sp<String>>,
    pub primary_key: Option<Sp<Vec<Ident>>>,
    pub uniques: Vec<UniqueAttr>,
    pub indexes: Vec<IndexAttr>,
    pub checks: Vec<CheckAttr>,
    pub soft_delete: Option<Ident>,
    pub relations: Vec<RelationAttr>,
    pub krate: Option<Path>,
    /// `row_level_security`, `force_row_level_security`.
    pub row_level_security: Option<Span>,
    pub force_row_level_security: Option<Span>,
    pub policies: Vec<PolicyAttr>,
    /// `comments`: doc comments become `COMMENT ON TABLE/COLUMN`.
    pub comments: Option<Span>,
    pub grants: Vec<GrantAttr>,
    pub triggers: Vec<TriggerAttr>,
    pub partition_by: Option<PartitionByAttr>,
    pub partitions: Vec<PartitionAttr>,
    pub monthly: Option<MonthlyAttr>,
}

/// `grant(select, insert, to = "role")`: privileges (as the variants of `Privilege`) and roles.
pub struct GrantAttr {
    pub span: Span,
    pub privileges: Vec<&'static str>,
    pub roles: Vec<String>,
}

/// `policy(name = "…", command = select, to = "role", using = "…", with_check = "…", restrictive)`.
pub struct PolicyAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    /// `ALL`, `SELECT`, … (upper case).
    pub command: Option<Sp<String>>,
    pub roles: Vec<String>,
    pub using: Option<Sp<String>>,
    pub with_check: Option<Sp<String>>,
    pub restrictive: Option<Span>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    HasMany,
    HasOne,
    ManyToMany,
}

/// `has_many(name, by = child::fk)`, `has_one(…)`, or
/// `many_to_many(name, through = join::this_fk, to = join::other_fk, target = other::key)`.
pub struct RelationAttr {
    pub kind: RelationKind,
    pub name: Ident,
    pub by: Option<Path>,
    pub through: Option<Path>,
    pub to: Option<Path>,
    pub target: Option<Path>,
}

pub struct UniqueAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    pub on: Vec<Ident>,
    pub nulls_not_distinct: bool,
}

pub struct IndexAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    pub keys: Vec<IndexKeyAttr>,
    pub unique: bool,
    pub method: Option<Sp<IndexMethod>>,
    pub predicate: Option<String>,
    pub with: Option<String>,
}

pub enum IndexTargetAttr {
    Field(Ident),
    Sql(LitStr),
}

pub struct IndexKeyAttr {
    pub target: IndexTargetAttr,
    pub desc: Option<bool>,
    pub nulls_first: Option<bool>,
    pub opclass: Option<String>,
}

pub struct CheckAttr {
    pub span: Span,
    pub name: Option<Sp<String>>,
    pub sql: Option<String>,
}

pub fn parse_table_attrs(cx: &Ctxt, args: proc_macro2::TokenStream) -> TableAttrs {
    let mut attrs = TableAttrs::default();
    let parser = syn::meta::parser(|meta| {
        let key = key_of(&meta);
        match key.as_str() {
            "name" => set_once(cx, &mut attrs.name, lit_str(&meta)?, &meta),
            "schema" => set_once(cx, &mut attrs.schema, lit_str(&meta)?, &meta),
            "module" => set_once(cx, &mut attrs.module, ident_value(&meta)?, &meta),
            "renamed_from" => set_once(cx, &mut attrs.renamed_from, lit_str(&meta)?, &meta),
            "soft_delete" => set_once(cx, &mut attrs.soft_delete, ident_value(&meta)?, &meta),
            "crate" => {
                let lit: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut attrs.krate, lit.parse::<Path>()?, &meta)
            }
            "primary_key" => {
                let span = meta.path.span();
                let columns = paren_idents(&meta)?;
                if columns.is_empty() {
                    cx.error_at(
                        span,
                        "`primary_key(...)` needs at least one field: `primary_key(a, b)`",
                    );
                }
                set_once(cx, &mut attrs.primary_key, Sp::new(columns, span), &meta)
            }
            "unique" => attrs.uniques.push(parse_unique(cx, &meta)?),
            "index" => attrs.indexes.push(parse_index(cx, &meta)?),
            "check" => attrs.checks.push(parse_check(cx, &meta)?),
            "row_level_security" => {
                set_once(cx, &mut attrs.row_level_security, meta.path.span(), &meta)
            }
            "force_row_level_security" => set_once(
                cx,
                &mut attrs.force_row_level_security,
                meta.path.span(),
                &meta,
            ),
            "policy" => attrs.policies.push(parse_policy(cx, &meta)?),
            "comments" => set_once(cx, &mut attrs.comments, meta.path.span(), &meta),
            "grant" => attrs.grants.push(parse_grant(cx, &meta)?),
            "trigger" => attrs.triggers.push(parse_trigger(cx, &meta)?),
            "partition_by" => {
                let by = parse_partition_by(cx, &meta)?;
                set_once(cx, &mut attrs.partition_by, by, &meta)
            }
            "partition" => attrs.partitions.push(parse_partition(cx, &meta)?),
            "partitions" => {
                let monthly = parse_monthly(cx, &meta)?;
                set_once(cx, &mut attrs.monthly, monthly, &meta)
            }
            "has_many" => attrs
                .relations
                .push(parse_relation(cx, &meta, RelationKind::HasMany)?),
            "has_one" => attrs
                .relations
                .push(parse_relation(cx, &meta, RelationKind::HasOne)?),
            "many_to_many" => {
                attrs
                    .relations
                    .push(parse_relation(cx, &meta, RelationKind::ManyToMany)?)
            }
            _ => unknown_key(cx, &meta, "table", TABLE_KEYS)?,
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    attrs
}

pub(super) fn parse_unique(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<UniqueAttr> {
    let mut unique = UniqueAttr {
        span: meta.path.span(),
        name: None,
        on: Vec::new(),
        nulls_not_distinct: false,
    };
    let mut on = None;
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut unique.name, lit_str(&meta)?, &meta),
            "on" => set_once(cx, &mut on, paren_idents(&meta)?, &meta),
            "nulls_not_distinct" => unique.nulls_not_distinct = true,
            _ => unknown_key(cx, &meta, "unique", UNIQUE_KEYS)?,
        }
        Ok(())
    })?;
    match on {
        Some(on) if !on.is_empty() => unique.on = on,
        _ => cx.error_at(
            unique.span,
            "a unique constraint needs its fields: `unique(on(a, b))`",
        ),
    }
    Ok(unique)
}

pub(super) fn parse_relation(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    kind: RelationKind,
) -> syn::Result<RelationAttr> {
    let span = meta.path.span();
    let content;
    parenthesized!(content in meta.input);
    let name: Ident = content.parse()?;
    let mut relation = RelationAttr {
        kind,
        name,
        by: None,
        through: None,
        to: None,
        target: None,
    };
    if !content.is_empty() {
        content.parse::<Token![,]>()?;
        let keys = if kind == RelationKind::ManyToMany {
            MANY_TO_MANY_KEYS
        } else {
            HAS_KEYS
        };
        let nested = syn::meta::parser(|meta| {
            let key = key_of(&meta);
            let slot = match (key.as_str(), kind) {
                ("by", RelationKind::HasMany | RelationKind::HasOne) => &mut relation.by,
                ("through", RelationKind::ManyToMany) => &mut relation.through,
                ("to", RelationKind::ManyToMany) => &mut relation.to,
                ("target", RelationKind::ManyToMany) => &mut relation.target,
                _ => return unknown_key(cx, &meta, "relation", keys),
            };
            let path = meta.value()?.call(column_path)?;
            set_once(cx, slot, path, &meta);
            Ok(())
        });
        nested.parse2(content.parse::<proc_macro2::TokenStream>()?)?;
    }
    let complete = match kind {
        RelationKind::ManyToMany => {
            relation.through.is_some() && relation.to.is_some() && relation.target.is_some()
        }
        _ => relation.by.is_some(),
    };
    if !complete {
        let help = match kind {
            RelationKind::HasMany => "has_many(projects, by = projects::owner_id)",
            RelationKind::HasOne => "has_one(profile, by = profiles::user_id)",
            RelationKind::ManyToMany => "many_to_many(tags, through = task_tags::task_id, to = task_tags::tag_id, target = tags::id)",
        };
        cx.error_at(span, format!("this relation needs its keys: `{help}`"));
    }
    Ok(relation)
}

pub(super) fn parse_check(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<CheckAttr> {
    let mut check = CheckAttr {
        span: meta.path.span(),
        name: None,
        sql: None,
    };
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut check.name, lit_str(&meta)?, &meta),
            "sql" => set_once(cx, &mut check.sql, lit_str(&meta)?.value, &meta),
            _ => unknown_key(cx, &meta, "check", CHECK_KEYS)?,
        }
        Ok(())
    })?;
    if check.name.is_none() || check.sql.is_none() {
        cx.error_at(
            check.span,
            "a table check needs a name and an expression: `check(name = \"positive_price\", sql = \"price > 0\")`",
        );
    }
    Ok(check)
}

/// `#[view(name = "…", schema = "…", module = m, sql = "SELECT …", materialized, inline, index(…))]`:
/// the keys a view shares with a table, read into [`TableAttrs`], and its own.
pub struct ViewAttrs {
    pub table: TableAttrs,
    pub sql: Option<Sp<String>>,
    /// `query = path::to::fn`: a function returning a builder query.
    pub query: Option<Path>,
    pub materialized: Option<Span>,
    /// `inline`: no view in the database; a query written where the struct is used (a derived
    /// table, a `LATERAL` join, a CTE) gives its rows.
    pub inline: Option<Span>,
    pub span: Span,
}

pub fn parse_view_attrs(cx: &Ctxt, args: proc_macro2::TokenStream) -> ViewAttrs {
    let mut view = ViewAttrs {
        table: TableAttrs::default(),
        sql: None,
        query: None,
        materialized: None,
        inline: None,
        span: Span::call_site(),
    };
    let attrs = &mut view.table;
    let parser = syn::meta::parser(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut attrs.name, lit_str(&meta)?, &meta),
            "schema" => set_once(cx, &mut attrs.schema, lit_str(&meta)?, &meta),
            "module" => set_once(cx, &mut attrs.module, ident_value(&meta)?, &meta),
            "sql" => set_once(cx, &mut view.sql, lit_str(&meta)?, &meta),
            "query" => {
                let path: Path = meta.value()?.call(Path::parse_mod_style)?;
                set_once(cx, &mut view.query, path, &meta)
            }
            "materialized" => set_once(cx, &mut view.materialized, meta.path.span(), &meta),
            "inline" => set_once(cx, &mut view.inline, meta.path.span(), &meta),
            "index" => attrs.indexes.push(parse_index(cx, &meta)?),
            "crate" => {
                let lit: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut attrs.krate, lit.parse::<Path>()?, &meta)
            }
            _ => unknown_key(cx, &meta, "view", VIEW_KEYS)?,
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    view
}

pub(super) fn parse_grant(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<GrantAttr> {
    let mut grant = GrantAttr {
        span: meta.path.span(),
        privileges: Vec::new(),
        roles: Vec::new(),
    };
    let mut misspelled = false;
    meta.parse_nested_meta(|meta| {
        let key = key_of(&meta);
        if key == "to" {
            if meta.input.peek(Token![=]) {
                grant.roles.push(lit_str(&meta)?.value);
            } else {
                let content;
                syn::parenthesized!(content in meta.input);
                let roles = content.parse_terminated(|input| input.parse::<LitStr>(), Token![,])?;
                grant.roles.extend(roles.iter().map(LitStr::value));
            }
            return Ok(());
        }
        let variants: &[&'static str] = match key.as_str() {
            "select" => &["Select"],
            "insert" => &["Insert"],
            "update" => &["Update"],
            "delete" => &["Delete"],
            "truncate" => &["Truncate"],
            "references" => &["References"],
            "trigger" => &["Trigger"],
            "all" => &[
                "Select",
                "Insert",
                "Update",
                "Delete",
                "Truncate",
                "References",
                "Trigger",
            ],
            _ => {
                cx.error_at(
                    meta.path.span(),
                    format!(
                        "`{key}` is not a table privilege: {}",
                        suggest(&key, PRIVILEGES, "privileges")
                    ),
                );
                misspelled = true;
                &[]
            }
        };
        grant.privileges.extend(variants);
        Ok(())
    })?;
    if grant.roles.is_empty() {
        cx.error_at(grant.span, "a grant names its roles: `grant(select, to = \"app_reader\")` (`to = \"public\"` for every role)");
    }
    if grant.privileges.is_empty() && !misspelled {
        cx.error_at(
            grant.span,
            "a grant names its privileges: `grant(select, insert, to = \"app_writer\")`",
        );
    }
    Ok(grant)
}

pub(super) fn parse_policy(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<PolicyAttr> {
    let mut policy = PolicyAttr {
        span: meta.path.span(),
        name: None,
        command: None,
        roles: Vec::new(),
        using: None,
        with_check: None,
        restrictive: None,
    };
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut policy.name, lit_str(&meta)?, &meta),
            "command" => {
                let word = ident_value(&meta)?;
                let text = word.to_string();
                if POLICY_COMMANDS.contains(&text.as_str()) {
                    set_once(
                        cx,
                        &mut policy.command,
                        Sp::new(text.to_uppercase(), word.span()),
                        &meta,
                    );
                } else {
                    cx.error_at(
                        word.span(),
                        format!(
                            "`{text}` is not a policy command: {}",
                            suggest(&text, POLICY_COMMANDS, "commands")
                        ),
                    );
                }
            }
            "to" => {
                if meta.input.peek(Token![=]) {
                    policy.roles.push(lit_str(&meta)?.value);
                } else {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let roles =
                        content.parse_terminated(|input| input.parse::<LitStr>(), Token![,])?;
                    policy.roles.extend(roles.iter().map(LitStr::value));
                }
            }
            "using" => set_once(cx, &mut policy.using, lit_str(&meta)?, &meta),
            "with_check" => set_once(cx, &mut policy.with_check, lit_str(&meta)?, &meta),
            "restrictive" => set_once(cx, &mut policy.restrictive, meta.path.span(), &meta),
            _ => unknown_key(cx, &meta, "policy", POLICY_KEYS)?,
        }
        Ok(())
    })?;
    if policy.name.is_none() {
        cx.error_at(policy.span, "a policy needs a name: `policy(name = \"own_rows\", using = \"owner = current_user\")`");
    }
    if policy.using.is_none() && policy.with_check.is_none() {
        cx.error_at(policy.span, "a policy says which rows it lets through: give `using = \"…\"` (rows read, updated, deleted), `with_check = \"…\"` (rows written), or both");
    }
    let command = policy.command.as_ref().map(|c| c.value.as_str());
    if let (Some("INSERT"), Some(using)) = (command, &policy.using) {
        cx.error_at(using.span, "an INSERT policy has no `using` (there are no existing rows to filter): write `with_check = \"…\"`");
    }
    if let (Some("SELECT" | "DELETE"), Some(check)) = (command, &policy.with_check) {
        cx.error_at(check.span, "a SELECT or DELETE policy has no `with_check` (it writes no rows): write `using = \"…\"`");
    }
    Ok(policy)
}

pub(super) fn parse_index(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<IndexAttr> {
    let mut index = IndexAttr {
        span: meta.path.span(),
        name: None,
        keys: Vec::new(),
        unique: false,
        method: None,
        predicate: None,
        with: None,
    };
    let mut keys = None;
    meta.parse_nested_meta(|meta| {
        match key_of(&meta).as_str() {
            "name" => set_once(cx, &mut index.name, lit_str(&meta)?, &meta),
            "on" => {
                let content;
                parenthesized!(content in meta.input);
                let parsed = content.parse_terminated(parse_index_key, Token![,])?;
                set_once(cx, &mut keys, parsed.into_iter().collect::<Vec<_>>(), &meta)
            }
            "unique" => index.unique = true,
            "method" => {
                let method = closed_word(
                    cx,
                    &meta,
                    IndexMethod::ALL,
                    "index method",
                    "the methods are",
                )?;
                if let Some(method) = method {
                    set_once(cx, &mut index.method, method, &meta)
                }
            }
            "where" => set_once(cx, &mut index.predicate, lit_str(&meta)?.value, &meta),
            "with" => set_once(cx, &mut index.with, lit_str(&meta)?.value, &meta),
            _ => unknown_key(cx, &meta, "index", INDEX_KEYS)?,
        }
        Ok(())
    })?;
    match keys {
        Some(keys) if !keys.is_empty() => index.keys = keys,
        _ => cx.error_at(index.span, "an index needs its keys: `index(on(a, b))`"),
    }
    Ok(index)
}

/// `field`, `sql("lower(email)")`, each followed by `asc`/`desc`, `nulls_first`/`nulls_last`,
/// `ops = "vector_cosine_ops"`.
pub(super) fn parse_index_key(input: ParseStream<'_>) -> syn::Result<IndexKeyAttr> {
    let ident: Ident = input.parse()?;
    let target = if ident == "sql" && input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        IndexTargetAttr::Sql(content.parse()?)
    } else {
        IndexTargetAttr::Field(ident)
    };
    let mut key = IndexKeyAttr {
        target,
        desc: None,
        nulls_first: None,
        opclass: None,
    };
    while !input.is_empty() && !input.peek(Token![,]) {
        let modifier: Ident = input.parse()?;
        match modifier.to_string().as_str() {
            "asc" => key.desc = Some(false),
            "desc" => key.desc = Some(true),
            "nulls_first" => key.nulls_first = Some(true),
            "nulls_last" => key.nulls_first = Some(false),
            "ops" => {
                input.parse::<Token![=]>()?;
                key.opclass = Some(input.parse::<LitStr>()?.value());
            }
            other => {
                return Err(syn::Error::new(
                    modifier.span(),
                    format!(
                        "unknown index key modifier `{other}`\nhelp: after a key come `asc`, `desc`, `nulls_first`, `nulls_last` or `ops = \"opclass\"`"
                    ),
                ))
            }
        }
    }
    Ok(key)
}
