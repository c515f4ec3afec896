//! The SQL each migration step renders to, and the steps that create a whole schema. Every
//! identifier is quoted; every literal is quoted and escaped.

mod routines;

pub use super::step::{not_null_check_name, CheckPhase, Step};
use crate::schema::{
    ColumnDef, FkAction, ForeignKeyDef, FunctionDef, Identity, IndexDef, IndexTarget, NullsOrder,
    PolicyDef, QualifiedName, RowSecurity, Schema, SequenceDef, SortOrder, TableDef, ViewDef,
};
use crate::sql::{quote_ident, quote_literal, quote_qualified};
pub(crate) use routines::on_update_body;

/// The steps that create `schema` in an empty database, in an order that applies: extensions,
/// namespaces, enums, tables (with their keys, unique and check constraints), then foreign keys
/// (so that tables may reference each other, and themselves, in any order), then indexes.
pub fn create_all(schema: &Schema) -> Vec<Step> {
    let mut steps = Vec::new();
    steps.extend(
        schema
            .extensions
            .iter()
            .map(|e| Step::CreateExtension(e.to_string())),
    );
    steps.extend(
        schema
            .namespaces()
            .into_iter()
            .map(|n| Step::CreateNamespace(n.to_string())),
    );
    steps.extend(schema.enums.iter().cloned().map(Step::CreateEnum));
    steps.extend(schema.domains.iter().cloned().map(Step::CreateDomain));
    steps.extend(schema.sequences.iter().cloned().map(Step::CreateSequence));
    // Functions whose bodies name tables only when they run (PL/pgSQL) come first, so that
    // defaults, checks and triggers may call them; SQL functions, which the server resolves when
    // they are made, come after the tables.
    let (late_functions, early_functions): (Vec<_>, Vec<_>) =
        FunctionDef::in_dependency_order(&schema.functions)
            .into_iter()
            .partition(|f| f.resolves_at_creation());
    steps.extend(
        early_functions
            .into_iter()
            .cloned()
            .map(Step::CreateFunction),
    );
    for table in &schema.tables {
        steps.push(Step::CreateTable(table.clone()));
        steps.extend(create_partitions(table));
    }
    steps.extend(
        late_functions
            .into_iter()
            .cloned()
            .map(Step::CreateFunction),
    );
    for table in &schema.tables {
        for fk in table.foreign_keys.iter() {
            steps.push(Step::AddForeignKey {
                table: table.qualified_name(),
                fk: fk.clone(),
                not_valid: false,
            });
        }
    }
    for table in &schema.tables {
        steps.extend(row_security(table));
        steps.extend(comments_and_grants(table));
    }
    for table in &schema.tables {
        for index in table.indexes.iter() {
            steps.push(Step::CreateIndex {
                table: table.qualified_name(),
                index: index.clone(),
                concurrently: false,
            });
        }
    }
    for table in &schema.tables {
        steps.extend(create_trigger(table));
        steps.extend(table.triggers.iter().map(|trigger| Step::AddTrigger {
            table: table.qualified_name(),
            trigger: trigger.clone(),
        }));
    }
    for view in ViewDef::in_dependency_order(&schema.views) {
        steps.extend(create_view(view));
    }
    steps.extend(
        schema
            .sequences
            .iter()
            .filter(|s| s.owned_by.is_some())
            .map(|s| Step::SequenceOwnedBy {
                name: s.qualified_name(),
                owned_by: s.owned_by.clone(),
            }),
    );
    steps
}

/// `CREATE POLICY`, every clause written out.
fn create_policy(table: &QualifiedName, policy: &PolicyDef) -> String {
    let roles = if policy.roles.is_empty() {
        "PUBLIC".to_string()
    } else {
        policy
            .roles
            .iter()
            .map(|r| role_name(r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut sql = format!(
        "CREATE POLICY {} ON {} AS {} FOR {} TO {roles}",
        quote_ident(&policy.name),
        name(table),
        if policy.restrictive {
            "RESTRICTIVE"
        } else {
            "PERMISSIVE"
        },
        policy.command.sql()
    );
    if let Some(using) = &policy.using {
        sql.push_str(&format!(" USING ({using})"));
    }
    if let Some(check) = &policy.with_check {
        sql.push_str(&format!(" WITH CHECK ({check})"));
    }
    sql.push(';');
    sql
}

fn privilege_list(privileges: &[crate::schema::Privilege]) -> String {
    privileges
        .iter()
        .map(|p| p.sql())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A role as `CREATE POLICY … TO` takes it: the keywords `public`, `current_user`,
/// `current_role` and `session_user` as such, any other name quoted.
fn role_name(role: &str) -> String {
    match role {
        "public" | "current_user" | "current_role" | "session_user" => role.to_uppercase(),
        other => quote_ident(other),
    }
}

/// The options of `CREATE SEQUENCE` and `ALTER SEQUENCE`, each written out (an option left
/// out of an `ALTER` would keep its old value).
fn sequence_options(def: &SequenceDef) -> String {
    let (min, max, start) = def.resolved();
    format!(
        "AS {} INCREMENT BY {} MINVALUE {min} MAXVALUE {max} START WITH {start} CACHE {} {}",
        def.data_type.sql(),
        def.increment,
        def.cache,
        if def.cycle { "CYCLE" } else { "NO CYCLE" }
    )
}

/// A view, and a materialized view's indexes.
pub(crate) fn create_view(view: &ViewDef) -> Vec<Step> {
    let mut steps = vec![Step::CreateView(view.clone())];
    steps.extend(view.relation.indexes.iter().map(|index| Step::CreateIndex {
        table: view.qualified_name(),
        index: index.clone(),
        concurrently: false,
    }));
    steps
}

/// A new table's row-level security and policies.
pub(crate) fn row_security(table: &TableDef) -> Vec<Step> {
    let mut steps = Vec::new();
    if !table.row_security.is_off() {
        steps.push(Step::SetRowSecurity {
            table: table.qualified_name(),
            from: RowSecurity::Off,
            to: table.row_security,
        });
    }
    steps.extend(table.policies.iter().map(|policy| Step::CreatePolicy {
        table: table.qualified_name(),
        policy: policy.clone(),
    }));
    steps
}

/// A new table's comments and grants.
pub(crate) fn comments_and_grants(table: &TableDef) -> Vec<Step> {
    let q = table.qualified_name();
    let mut steps = Vec::new();
    if let Some(comment) = &table.comment {
        steps.push(Step::Comment {
            table: q.clone(),
            column: None,
            comment: Some(comment.to_string()),
        });
    }
    for column in table.columns.iter() {
        if let Some(comment) = &column.comment {
            steps.push(Step::Comment {
                table: q.clone(),
                column: Some(column.name.to_string()),
                comment: Some(comment.to_string()),
            });
        }
    }
    steps.extend(table.grants.iter().map(|grant| Step::Grant {
        table: q.clone(),
        role: grant.role.to_string(),
        privileges: grant.privileges.to_vec(),
    }));
    steps
}

/// The partitions of a partitioned table, made after it.
pub(crate) fn create_partitions(table: &TableDef) -> impl Iterator<Item = Step> + '_ {
    table
        .partitions
        .iter()
        .map(|partition| Step::CreatePartition {
            parent: table.qualified_name(),
            partition: partition.clone(),
        })
}

/// The on-update trigger of a table, if any of its columns asks for one.
pub(crate) fn create_trigger(table: &TableDef) -> Vec<Step> {
    let columns = table.trigger_columns();
    if columns.is_empty() {
        return Vec::new();
    }
    let name = table.trigger_name();
    vec![
        Step::CreateTriggerFunction {
            table: table.qualified_name(),
            name: name.clone(),
            columns: columns.iter().map(|(c, m)| (c.to_string(), *m)).collect(),
        },
        Step::CreateTrigger {
            table: table.qualified_name(),
            name,
        },
    ]
}

pub(super) fn name(q: &QualifiedName) -> String {
    quote_qualified(q.schema.as_deref(), &q.name)
}

fn column_list<'a>(columns: impl IntoIterator<Item = &'a str>) -> String {
    columns
        .into_iter()
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(", ")
}

fn actions(fk: &ForeignKeyDef) -> String {
    let mut sql = String::new();
    if fk.on_delete != FkAction::NoAction {
        sql.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != FkAction::NoAction {
        sql.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    sql
}

impl Step {
    /// The step as one SQL statement, ending with `;`.
    pub fn sql(&self) -> String {
        match self {
            Step::CreateExtension(ext) => {
                format!("CREATE EXTENSION IF NOT EXISTS {};", quote_ident(ext))
            }
            Step::DropExtension(ext) => format!("DROP EXTENSION {};", quote_ident(ext)),
            Step::CreateNamespace(ns) => {
                format!("CREATE SCHEMA IF NOT EXISTS {};", quote_ident(ns))
            }
            Step::CreateEnum(def) => format!(
                "CREATE TYPE {} AS ENUM ({});",
                quote_qualified(def.schema.as_deref(), &def.name),
                def.labels
                    .iter()
                    .map(|l| quote_literal(l))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::DropEnum(q) => format!("DROP TYPE {};", name(q)),
            Step::AddEnumValue {
                name: q,
                value,
                before,
                after,
            } => {
                let position = match (before, after) {
                    (Some(b), _) => format!(" BEFORE {}", quote_literal(b)),
                    (None, Some(a)) => format!(" AFTER {}", quote_literal(a)),
                    (None, None) => String::new(),
                };
                format!(
                    "ALTER TYPE {} ADD VALUE {}{position};",
                    name(q),
                    quote_literal(value)
                )
            }
            Step::CreateSequence(def) => format!(
                "CREATE SEQUENCE {} {};",
                name(&def.qualified_name()),
                sequence_options(def)
            ),
            Step::AlterSequence(def) => format!(
                "ALTER SEQUENCE {} {};",
                name(&def.qualified_name()),
                sequence_options(def)
            ),
            Step::DropSequence(q) => format!("DROP SEQUENCE {};", name(q)),
            Step::SequenceOwnedBy { name: q, owned_by } => format!(
                "ALTER SEQUENCE {} OWNED BY {};",
                name(q),
                match owned_by {
                    Some(o) => format!("{}.{}", name(&o.table), quote_ident(&o.column)),
                    None => "NONE".to_string(),
                }
            ),
            Step::CreateTable(table) => create_table(table),
            Step::CreateDomain(domain) => {
                let mut sql = format!(
                    "CREATE DOMAIN {} AS {}",
                    name(&domain.qualified_name()),
                    domain.base_ddl()
                );
                if domain.not_null {
                    sql.push_str(" NOT NULL");
                }
                for check in domain.checks.iter() {
                    sql.push_str(&format!(
                        " CONSTRAINT {} CHECK ({})",
                        quote_ident(&check.name),
                        check.expression
                    ));
                }
                sql.push(';');
                sql
            }
            Step::DropDomain(q) => format!("DROP DOMAIN {};", name(q)),
            Step::AddDomainCheck { name: q, check } => format!(
                "ALTER DOMAIN {} ADD CONSTRAINT {} CHECK ({});",
                name(q),
                quote_ident(&check.name),
                check.expression
            ),
            Step::DropDomainCheck { name: q, check } => format!(
                "ALTER DOMAIN {} DROP CONSTRAINT {};",
                name(q),
                quote_ident(check)
            ),
            Step::DomainNotNull { name: q, not_null } => format!(
                "ALTER DOMAIN {} {} NOT NULL;",
                name(q),
                if *not_null { "SET" } else { "DROP" }
            ),
            Step::CreateView(view) => format!(
                "CREATE {}VIEW {} ({}) AS\n{};",
                if view.materialized {
                    "MATERIALIZED "
                } else {
                    ""
                },
                name(&view.qualified_name()),
                column_list(view.relation.columns.iter().map(|c| &*c.name)),
                view.sql.trim().trim_end_matches(';').trim_end()
            ),
            Step::DropView {
                name: q,
                materialized,
            } => format!(
                "DROP {}VIEW {};",
                if *materialized { "MATERIALIZED " } else { "" },
                name(q)
            ),
            Step::SetRowSecurity { table, from, to } => {
                let forced = |r: &RowSecurity| *r == RowSecurity::Forced;
                let mut parts = Vec::new();
                if from.is_off() && !to.is_off() {
                    parts.push("ENABLE ROW LEVEL SECURITY");
                }
                if to.is_off() && !from.is_off() {
                    parts.push("DISABLE ROW LEVEL SECURITY");
                }
                if forced(to) && !forced(from) {
                    parts.push("FORCE ROW LEVEL SECURITY");
                }
                if forced(from) && !forced(to) {
                    parts.push("NO FORCE ROW LEVEL SECURITY");
                }
                format!("ALTER TABLE {} {};", name(table), parts.join(", "))
            }
            Step::CreatePolicy { table, policy } => create_policy(table, policy),
            Step::Comment {
                table,
                column,
                comment,
            } => format!(
                "COMMENT ON {} IS {};",
                match column {
                    Some(column) => format!("COLUMN {}.{}", name(table), quote_ident(column)),
                    None => format!("TABLE {}", name(table)),
                },
                comment.as_deref().map_or("NULL".to_string(), quote_literal)
            ),
            Step::Grant {
                table,
                role,
                privileges,
            } => format!(
                "GRANT {} ON {} TO {};",
                privilege_list(privileges),
                name(table),
                role_name(role)
            ),
            Step::Revoke {
                table,
                role,
                privileges,
            } => format!(
                "REVOKE {} ON {} FROM {};",
                privilege_list(privileges),
                name(table),
                role_name(role)
            ),
            Step::DropPolicy {
                table,
                name: policy,
            } => {
                format!("DROP POLICY {} ON {};", quote_ident(policy), name(table))
            }
            Step::DropTable(q) => format!("DROP TABLE {};", name(q)),
            Step::RenameTable { from, to } => {
                format!("ALTER TABLE {} RENAME TO {};", name(from), quote_ident(to))
            }
            Step::AddColumn { table, column } => format!(
                "ALTER TABLE {} ADD COLUMN {};",
                name(table),
                column_sql(column)
            ),
            Step::RegenerateColumn { table, column, .. } => format!(
                "ALTER TABLE {} DROP COLUMN {}, ADD COLUMN {};",
                name(table),
                quote_ident(&column.name),
                column_sql(column)
            ),
            Step::DropExpression { table, column } => format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP EXPRESSION;",
                name(table),
                quote_ident(column)
            ),
            Step::DropColumn { table, column } => {
                format!(
                    "ALTER TABLE {} DROP COLUMN {};",
                    name(table),
                    quote_ident(column)
                )
            }
            Step::RenameColumn { table, from, to } => format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};",
                name(table),
                quote_ident(from),
                quote_ident(to)
            ),
            Step::AlterColumnType {
                table,
                column,
                sql_type,
                using,
                ..
            } => format!(
                "ALTER TABLE {} ALTER COLUMN {} TYPE {sql_type}{};",
                name(table),
                quote_ident(column),
                using
                    .as_ref()
                    .map(|u| format!(" USING {u}"))
                    .unwrap_or_default()
            ),
            Step::NotNullCheck {
                table,
                column,
                phase,
            } => {
                let check = quote_ident(&not_null_check_name(&table.name, column));
                match phase {
                    CheckPhase::Add => format!(
                        "ALTER TABLE {} ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID;",
                        name(table),
                        quote_ident(column)
                    ),
                    CheckPhase::Validate => {
                        format!("ALTER TABLE {} VALIDATE CONSTRAINT {check};", name(table))
                    }
                    CheckPhase::Drop => {
                        format!("ALTER TABLE {} DROP CONSTRAINT {check};", name(table))
                    }
                }
            }
            Step::SetNotNull { table, column, .. } => {
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL;",
                    name(table),
                    quote_ident(column)
                )
            }
            Step::DropNotNull { table, column } => {
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL;",
                    name(table),
                    quote_ident(column)
                )
            }
            Step::SetDefault {
                table,
                column,
                default,
                sql_type,
            } => format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {};",
                name(table),
                quote_ident(column),
                default.ddl(sql_type)
            ),
            Step::DropDefault { table, column } => {
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;",
                    name(table),
                    quote_ident(column)
                )
            }
            Step::AddIdentity {
                table,
                column,
                identity,
            } => format!(
                "ALTER TABLE {} ALTER COLUMN {} ADD GENERATED {} AS IDENTITY;",
                name(table),
                quote_ident(column),
                match identity {
                    Identity::Always => "ALWAYS",
                    Identity::ByDefault => "BY DEFAULT",
                }
            ),
            Step::DropIdentity { table, column } => {
                format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP IDENTITY;",
                    name(table),
                    quote_ident(column)
                )
            }
            Step::AddPrimaryKey {
                table,
                name: pk,
                columns,
            } => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({});",
                name(table),
                quote_ident(pk),
                column_list(columns.iter().map(|c| c.as_str()))
            ),
            Step::AddUnique {
                table,
                unique,
                using_index: true,
            } => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE USING INDEX {};",
                name(table),
                quote_ident(&unique.name),
                quote_ident(&unique.name)
            ),
            Step::AddUnique {
                table,
                unique,
                using_index: false,
            } => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE{} ({});",
                name(table),
                quote_ident(&unique.name),
                if unique.nulls_not_distinct {
                    " NULLS NOT DISTINCT"
                } else {
                    ""
                },
                column_list(unique.columns.iter().map(|c| &**c))
            ),
            Step::CreateUniqueIndex { table, unique } => format!(
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {} ON {} ({}){};",
                quote_ident(&unique.name),
                name(table),
                column_list(unique.columns.iter().map(|c| &**c)),
                if unique.nulls_not_distinct {
                    " NULLS NOT DISTINCT"
                } else {
                    ""
                }
            ),
            Step::AddCheck {
                table,
                check,
                not_valid,
            } => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({}){};",
                name(table),
                quote_ident(&check.name),
                check.expression,
                if *not_valid { " NOT VALID" } else { "" }
            ),
            Step::AddForeignKey {
                table,
                fk,
                not_valid,
            } => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){}{};",
                name(table),
                quote_ident(&fk.name),
                column_list(fk.columns.iter().map(|c| &**c)),
                name(&fk.references),
                column_list(fk.referenced_columns.iter().map(|c| &**c)),
                actions(fk),
                if *not_valid { " NOT VALID" } else { "" }
            ),
            Step::ValidateConstraint {
                table,
                name: constraint,
            } => {
                format!(
                    "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                    name(table),
                    quote_ident(constraint)
                )
            }
            Step::DropConstraint {
                table,
                name: constraint,
            } => {
                format!(
                    "ALTER TABLE {} DROP CONSTRAINT {};",
                    name(table),
                    quote_ident(constraint)
                )
            }
            Step::RenameConstraint { table, from, to } => format!(
                "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
                name(table),
                quote_ident(from),
                quote_ident(to)
            ),
            Step::CreateIndex {
                table,
                index,
                concurrently,
            } => create_index(table, index, *concurrently),
            Step::CreateTriggerFunction {
                table,
                name: function,
                columns,
            } => routines::create_on_update_function(table, function, columns),
            Step::CreateFunction(def) => routines::create_function(def),
            Step::DropFunction {
                name: function,
                arguments,
            } => routines::drop_function(function, arguments),
            Step::AddTrigger { table, trigger } => routines::create_trigger(table, trigger),
            Step::RenameTrigger { table, from, to } => format!(
                "ALTER TRIGGER {} ON {} RENAME TO {};",
                quote_ident(from),
                name(table),
                quote_ident(to)
            ),
            Step::AddForeignKeyChecked { table, fk } => Step::AddForeignKey {
                table: table.clone(),
                fk: fk.clone(),
                not_valid: false,
            }
            .sql(),
            Step::CreateIndexOnOnly { table, index } => {
                let sql = create_index(table, index, false);
                let on = format!(" ON {} USING ", name(table));
                sql.replacen("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)
                    .replacen(
                        "CREATE UNIQUE INDEX ",
                        "CREATE UNIQUE INDEX IF NOT EXISTS ",
                        1,
                    )
                    .replacen(&on, &format!(" ON ONLY {} USING ", name(table)), 1)
            }
            Step::AttachIndex {
                schema,
                index,
                child,
            } => format!(
                "ALTER INDEX {} ATTACH PARTITION {};",
                quote_qualified(schema.as_deref(), index),
                quote_qualified(schema.as_deref(), child)
            ),
            Step::CreatePartition { parent, partition } => {
                routines::create_partition(parent, partition)
            }
            Step::AttachPartition { parent, partition } => {
                routines::attach_partition(parent, partition)
            }
            Step::DetachPartition {
                parent,
                name: partition,
            } => routines::detach_partition(parent, partition),
            Step::CreateTrigger {
                table,
                name: trigger,
            } => format!(
                "CREATE TRIGGER {} BEFORE UPDATE ON {} FOR EACH ROW EXECUTE FUNCTION {}();",
                quote_ident(trigger),
                name(table),
                quote_qualified(table.schema.as_deref(), trigger)
            ),
            Step::DropTrigger {
                table,
                name: trigger,
            } => {
                format!("DROP TRIGGER {} ON {};", quote_ident(trigger), name(table))
            }
            Step::DropTriggerFunction {
                schema,
                name: function,
            } => {
                format!(
                    "DROP FUNCTION {}();",
                    quote_qualified(schema.as_deref(), function)
                )
            }
            Step::DropIndex {
                schema,
                name: index,
            } => {
                format!("DROP INDEX {};", quote_qualified(schema.as_deref(), index))
            }
            Step::RenameIndex { schema, from, to } => format!(
                "ALTER INDEX {} RENAME TO {};",
                quote_qualified(schema.as_deref(), from),
                quote_ident(to)
            ),
        }
    }
}

pub(crate) fn column_sql(column: &ColumnDef) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column_type(column));
    if let Some(identity) = column.identity {
        sql.push_str(match identity {
            Identity::Always => " GENERATED ALWAYS AS IDENTITY",
            Identity::ByDefault => " GENERATED BY DEFAULT AS IDENTITY",
        });
    }
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    if let Some(default) = &column.default {
        sql.push_str(" DEFAULT ");
        sql.push_str(&default.ddl(&column.sql_type));
    }
    if !column.nullable {
        sql.push_str(" NOT NULL");
    }
    sql
}

/// The column's type in DDL, with its array dimensions.
pub(crate) fn column_type(column: &ColumnDef) -> String {
    let mut sql = column.sql_type.ddl();
    for _ in 0..column.array_dims {
        sql.push_str("[]");
    }
    sql
}

fn create_table(table: &TableDef) -> String {
    let mut lines: Vec<String> = table.columns.iter().map(column_sql).collect();
    if let Some(pk) = &table.primary_key {
        lines.push(format!(
            "CONSTRAINT {} PRIMARY KEY ({})",
            quote_ident(&pk.name),
            column_list(pk.columns.iter().map(|c| &**c))
        ));
    }
    for unique in table.uniques.iter() {
        lines.push(format!(
            "CONSTRAINT {} UNIQUE{} ({})",
            quote_ident(&unique.name),
            if unique.nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            },
            column_list(unique.columns.iter().map(|c| &**c))
        ));
    }
    for check in table.checks.iter() {
        lines.push(format!(
            "CONSTRAINT {} CHECK ({})",
            quote_ident(&check.name),
            check.expression
        ));
    }
    let partition_by = table.partition_by.as_ref().map_or(String::new(), |p| {
        format!(
            " PARTITION BY {} ({})",
            p.method.sql(),
            column_list(p.columns.iter().map(|c| &**c))
        )
    });
    format!(
        "CREATE TABLE {} (\n\t{}\n){partition_by};",
        quote_qualified(table.schema.as_deref(), &table.name),
        lines.join(",\n\t")
    )
}

fn create_index(table: &QualifiedName, index: &IndexDef, concurrently: bool) -> String {
    let keys: Vec<String> = index
        .keys
        .iter()
        .map(|key| {
            let mut sql = match &key.target {
                IndexTarget::Column(c) => quote_ident(c),
                IndexTarget::Expression(e) => format!("({e})"),
            };
            if let Some(opclass) = &key.opclass {
                sql.push(' ');
                sql.push_str(opclass);
            }
            match key.order {
                Some(SortOrder::Desc) => sql.push_str(" DESC"),
                Some(SortOrder::Asc) => sql.push_str(" ASC"),
                None => {}
            }
            match key.nulls {
                Some(NullsOrder::First) => sql.push_str(" NULLS FIRST"),
                Some(NullsOrder::Last) => sql.push_str(" NULLS LAST"),
                None => {}
            }
            sql
        })
        .collect();
    let mut sql = format!(
        "CREATE {}INDEX {}{} ON {} USING {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        // Built concurrently in an online file, which the runner may have to run again after a
        // kill: once built, the index is not built twice.
        if concurrently {
            "CONCURRENTLY IF NOT EXISTS "
        } else {
            ""
        },
        quote_ident(&index.name),
        name(table),
        index.method.sql(),
        keys.join(", ")
    );
    if let Some(with) = &index.with {
        sql.push_str(&format!(" WITH ({with})"));
    }
    if let Some(predicate) = &index.predicate {
        sql.push_str(&format!(" WHERE {predicate}"));
    }
    sql.push(';');
    sql
}
