//! The catalog a declared schema should give: from the model ([`Catalog::expected`]), and in
//! the server's own printed form by building each table in a rolled-back transaction
//! ([`Catalog::expected_on`]).

use std::collections::BTreeMap;

use tokio_postgres::Client;

use super::read::read_table;
use super::{
    qualified, Catalog, CatalogColumn, CatalogDomain, CatalogForeignKey, CatalogFunction,
    CatalogIndex, CatalogIndexKey, CatalogPolicy, CatalogSequence, CatalogTable, CatalogTrigger,
    CatalogUnique, CatalogView,
};
use crate::schema::{
    Identity, IndexTarget, NullsOrder, OnUpdateTrigger, RowSecurity, Schema, SortOrder, TableDef,
    TriggerDef, TriggerEvent, TriggerTiming, Volatility,
};

impl Catalog {
    /// The catalog a database built from `schema` has.
    pub fn expected(schema: &Schema) -> Catalog {
        let mut catalog = Catalog {
            extensions: schema.extensions.iter().map(|e| e.to_string()).collect(),
            ..Catalog::default()
        };
        for def in &schema.enums {
            catalog.enums.insert(
                qualified(def.schema.as_deref(), &def.name),
                def.labels.iter().map(|l| l.to_string()).collect(),
            );
        }
        for def in &schema.sequences {
            let (min, max, start) = def.resolved();
            catalog.sequences.insert(
                qualified(def.schema.as_deref(), &def.name),
                CatalogSequence {
                    data_type: def.data_type.sql().to_string(),
                    start,
                    increment: def.increment,
                    min,
                    max,
                    cache: def.cache,
                    cycle: def.cycle,
                    owned_by: def.owned_by.as_ref().map(|o| {
                        format!(
                            "{}.{}",
                            qualified(o.table.schema.as_deref(), &o.table.name),
                            o.column
                        )
                    }),
                },
            );
        }
        for table in &schema.tables {
            let pk_columns: Vec<String> = table
                .primary_key
                .iter()
                .flat_map(|pk| pk.columns.iter().map(|c| c.to_string()))
                .collect();
            let columns = table
                .columns
                .iter()
                .map(|c| {
                    let mut type_name = c.sql_type.catalog_name();
                    for _ in 0..c.array_dims {
                        type_name.push_str("[]");
                    }
                    let default = c.default.as_ref().map(|d| {
                        let scalar = c.array_dims == 0;
                        match (scalar, d.catalog_form(&c.sql_type)) {
                            (true, Some(form)) => form,
                            _ => d.ddl(&c.sql_type),
                        }
                    });
                    CatalogColumn {
                        name: c.name.to_string(),
                        type_name,
                        not_null: !c.nullable
                            || c.identity.is_some()
                            || pk_columns.contains(&c.name.to_string()),
                        default,
                        identity: c.identity.map(|i| match i {
                            Identity::Always => 'a',
                            Identity::ByDefault => 'd',
                        }),
                        generated: c.generated.as_ref().map(|g| g.to_string()),
                        comment: c.comment.as_ref().map(|g| g.to_string()),
                    }
                })
                .collect();
            let strings = |list: &[crate::schema::Str]| {
                list.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            };
            let entry = CatalogTable {
                comment: table.comment.as_ref().map(|c| c.to_string()),
                grants: table
                    .grants
                    .iter()
                    .map(|g| {
                        let mut privileges: Vec<String> =
                            g.privileges.iter().map(|p| p.sql().to_string()).collect();
                        privileges.sort();
                        (g.role.to_string(), privileges)
                    })
                    .collect(),
                row_security: !table.row_security.is_off(),
                force_row_security: table.row_security == RowSecurity::Forced,
                policies: table
                    .policies
                    .iter()
                    .map(|p| {
                        let mut roles: Vec<String> =
                            p.roles.iter().map(|r| r.to_string()).collect();
                        roles.sort();
                        if roles.is_empty() {
                            roles.push("public".to_string());
                        }
                        let policy = CatalogPolicy {
                            command: p.command,
                            roles,
                            using: p.using.as_ref().map(|u| u.to_string()),
                            with_check: p.with_check.as_ref().map(|c| c.to_string()),
                            restrictive: p.restrictive,
                        };
                        (p.name.to_string(), policy)
                    })
                    .collect(),
                columns,
                primary_key: table
                    .primary_key
                    .as_ref()
                    .map(|pk| (pk.name.to_string(), strings(&pk.columns))),
                uniques: table
                    .uniques
                    .iter()
                    .map(|u| {
                        let unique = CatalogUnique {
                            columns: strings(&u.columns),
                            nulls_not_distinct: u.nulls_not_distinct,
                        };
                        (u.name.to_string(), unique)
                    })
                    .collect(),
                foreign_keys: table
                    .foreign_keys
                    .iter()
                    .map(|fk| {
                        let foreign_key = CatalogForeignKey {
                            columns: strings(&fk.columns),
                            references: qualified(
                                fk.references.schema.as_deref(),
                                &fk.references.name,
                            ),
                            referenced_columns: strings(&fk.referenced_columns),
                            on_delete: fk.on_delete,
                            on_update: fk.on_update,
                        };
                        (fk.name.to_string(), foreign_key)
                    })
                    .collect(),
                checks: table
                    .checks
                    .iter()
                    .map(|c| (c.name.to_string(), c.expression.to_string()))
                    .collect(),
                triggers: expected_triggers(table),
                partition_by: table.partition_by.as_ref().map(|p| {
                    let columns: Vec<String> = p.columns.iter().map(|c| c.to_string()).collect();
                    format!("{} ({})", p.method.sql(), columns.join(", "))
                }),
                partitions: table
                    .partitions
                    .iter()
                    .map(|p| (p.name.to_string(), p.bound.sql()))
                    .collect(),
                indexes: table
                    .indexes
                    .iter()
                    .map(|index| {
                        let keys = index
                            .keys
                            .iter()
                            .map(|key| {
                                let desc = key.order == Some(SortOrder::Desc);
                                let (name, is_expression) = match &key.target {
                                    IndexTarget::Column(c) => (c.to_string(), false),
                                    IndexTarget::Expression(e) => (e.to_string(), true),
                                };
                                CatalogIndexKey {
                                    key: name,
                                    is_expression,
                                    desc,
                                    nulls_first: match key.nulls {
                                        Some(NullsOrder::First) => true,
                                        Some(NullsOrder::Last) => false,
                                        None => desc,
                                    },
                                    opclass: key.opclass.as_ref().map(|o| o.to_string()),
                                }
                            })
                            .collect();
                        let entry = CatalogIndex {
                            method: index.method.sql().to_string(),
                            unique: index.unique,
                            keys,
                            predicate: index.predicate.as_ref().map(|p| p.to_string()),
                            options: index
                                .with
                                .as_deref()
                                .map(|w| {
                                    w.split(',')
                                        .map(|o| o.split_whitespace().collect::<String>())
                                        .collect()
                                })
                                .unwrap_or_default(),
                        };
                        (index.name.to_string(), entry)
                    })
                    .collect(),
            };
            catalog
                .tables
                .insert(qualified(table.schema.as_deref(), &table.name), entry);
        }
        for def in &schema.functions {
            catalog.functions.insert(
                format!(
                    "{}({})",
                    qualified(def.schema.as_deref(), &def.name),
                    def.arguments
                ),
                CatalogFunction {
                    arguments: def.arguments.to_string(),
                    result: def.returns.to_string(),
                    language: def.language.to_string(),
                    volatility: def.volatility,
                    strict: def.strict,
                    security_definer: def.security_definer,
                    body: def.body.to_string(),
                },
            );
        }
        // The on-update triggers' functions, which the tables make.
        for table in &schema.tables {
            let columns: Vec<(String, OnUpdateTrigger)> = table
                .trigger_columns()
                .into_iter()
                .map(|(c, m)| (c.to_string(), m))
                .collect();
            if columns.is_empty() {
                continue;
            }
            catalog.functions.insert(
                format!(
                    "{}()",
                    qualified(table.schema.as_deref(), &table.trigger_name())
                ),
                CatalogFunction {
                    arguments: String::new(),
                    result: "trigger".to_string(),
                    language: "plpgsql".to_string(),
                    volatility: Volatility::Volatile,
                    strict: false,
                    security_definer: false,
                    body: crate::migrate::render::on_update_body(&columns),
                },
            );
        }
        for def in &schema.domains {
            catalog.domains.insert(
                qualified(def.schema.as_deref(), &def.name),
                CatalogDomain {
                    base: def.base.catalog_name() + &"[]".repeat(def.array_dims.into()),
                    not_null: def.not_null,
                    checks: def
                        .checks
                        .iter()
                        .map(|c| (c.name.to_string(), c.expression.to_string()))
                        .collect(),
                },
            );
        }
        for view in &schema.views {
            // The view as a relation: its columns and indexes, read as a table's would be.
            let relation = Catalog::expected(&Schema {
                tables: vec![view.relation.clone()],
                ..Schema::default()
            })
            .tables
            .into_values()
            .next()
            .unwrap_or_default();
            catalog.views.insert(
                qualified(view.relation.schema.as_deref(), &view.relation.name),
                CatalogView {
                    materialized: view.materialized,
                    definition: view.sql.to_string(),
                    relation,
                },
            );
        }
        catalog
    }

    /// The catalog a database built from `schema` has, in the exact form `client`'s server
    /// prints it: each declared table (with its keys, checks, defaults and indexes) is made in
    /// the session's temporary schema inside a transaction that is rolled back, and read back.
    /// Foreign keys and triggers come from [`Catalog::expected`] (they print no user SQL). A
    /// table or index the server cannot make (its type or extension is missing, which the
    /// comparison then reports) keeps its declared form.
    pub async fn expected_on(
        client: &Client,
        schema: &Schema,
    ) -> Result<Catalog, tokio_postgres::Error> {
        let mut catalog = Catalog::expected(schema);
        let mut guard = crate::exec::cleanup::RollbackGuard::new(client, "ROLLBACK");
        client.batch_execute("BEGIN").await?;
        let mut built = async {
            // What the scratch tables' triggers call: their conditions are what is compared.
            crate::migrate::trial::in_savepoint(
                client,
                "CREATE FUNCTION pg_temp.__schema_core_scratch_trigger() RETURNS trigger \
                 LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
            )
            .await?
            .ok();
            for (n, table) in schema.tables.iter().enumerate() {
                let key = qualified(table.schema.as_deref(), &table.name);
                if let Some(scratch) = scratch_table(client, n, table).await? {
                    if let Some(entry) = catalog.tables.get_mut(&key) {
                        let foreign_keys = std::mem::take(&mut entry.foreign_keys);
                        // Triggers as declared, with their conditions as the server prints
                        // them (the scratch ones call a stand-in function).
                        let mut triggers = std::mem::take(&mut entry.triggers);
                        for (name, trigger) in &mut triggers {
                            if let Some(made) = scratch.triggers.get(name) {
                                trigger.when = made.when.clone();
                            }
                        }
                        // Partitions by their declared names, bounds as printed.
                        let mut partitions = std::mem::take(&mut entry.partitions);
                        for (k, partition) in table.partitions.iter().enumerate() {
                            if let Some(bound) = scratch.partitions.get(&scratch_partition(n, k)) {
                                partitions.insert(partition.name.to_string(), bound.clone());
                            }
                        }
                        let mut indexes = std::mem::take(&mut entry.indexes);
                        indexes.extend(scratch.indexes.clone());
                        // A policy the server could not make (its role is missing) keeps its
                        // declared form.
                        let mut policies = std::mem::take(&mut entry.policies);
                        policies.extend(scratch.policies.clone());
                        // Comments and grants are not made on the scratch table: the declared
                        // ones stand (they print no user SQL).
                        let comment = entry.comment.take();
                        let grants = std::mem::take(&mut entry.grants);
                        let mut columns = scratch.columns.clone();
                        for column in &mut columns {
                            column.comment = entry
                                .columns
                                .iter()
                                .find(|c| c.name == column.name)
                                .and_then(|c| c.comment.clone());
                        }
                        *entry = CatalogTable {
                            foreign_keys,
                            triggers,
                            partitions,
                            indexes,
                            policies,
                            comment,
                            grants,
                            columns,
                            ..scratch
                        };
                    }
                }
            }
            Ok::<_, tokio_postgres::Error>(())
        }
        .await;
        if built.is_ok() {
            built = scratch_views(client, schema, &mut catalog).await;
        }
        if built.is_ok() {
            built = scratch_domains(client, schema, &mut catalog).await;
        }
        if built.is_ok() {
            built = scratch_functions(client, schema, &mut catalog).await;
        }
        guard.disarm();
        client.batch_execute("ROLLBACK").await?;
        built.map(|()| catalog)
    }
}

/// The triggers of a table: its on-update trigger and those written by hand.
fn expected_triggers(table: &TableDef) -> BTreeMap<String, CatalogTrigger> {
    let mut triggers = BTreeMap::new();
    if !table.trigger_columns().is_empty() {
        let name = table.trigger_name();
        triggers.insert(
            name.clone(),
            CatalogTrigger {
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Update],
                update_of: Vec::new(),
                for_each_row: true,
                when: None,
                function: qualified(table.schema.as_deref(), &name),
                arguments: Vec::new(),
            },
        );
    }
    for trigger in table.triggers.iter() {
        triggers.insert(trigger.name.to_string(), expected_trigger(trigger));
    }
    triggers
}

fn expected_trigger(trigger: &TriggerDef) -> CatalogTrigger {
    let mut events = trigger.events.to_vec();
    events.sort();
    CatalogTrigger {
        timing: trigger.timing,
        events,
        update_of: trigger.update_of.iter().map(|c| c.to_string()).collect(),
        for_each_row: trigger.for_each_row,
        when: trigger.when.as_ref().map(|w| format!("({w})")),
        function: qualified(
            Some(trigger.function.schema_or_public()),
            &trigger.function.name,
        ),
        arguments: trigger.arguments.iter().map(|a| a.to_string()).collect(),
    }
}

/// The name of the `k`th partition of the `n`th scratch table.
fn scratch_partition(n: usize, k: usize) -> String {
    format!("__schema_core_scratch_{n}_p{k}")
}

/// Each declared function's arguments and result as the server prints them (and so its key):
/// made in the temporary schema (in the caller's transaction, with savepoints) and read back.
/// One the server cannot make keeps its declared form.
async fn scratch_functions(
    client: &Client,
    schema: &Schema,
    catalog: &mut Catalog,
) -> Result<(), tokio_postgres::Error> {
    use crate::migrate::render::Step;
    for (n, def) in schema.functions.iter().enumerate() {
        let mut scratch = def.clone();
        scratch.schema = Some("pg_temp".into());
        scratch.name = format!("__schema_core_scratch_fn_{n}").into();
        let sql = Step::CreateFunction(scratch.clone()).sql();
        if crate::migrate::trial::in_savepoint(client, &sql)
            .await?
            .is_err()
        {
            continue;
        }
        let row = client
            .query_one(
                "SELECT pg_get_function_identity_arguments(p.oid), pg_get_function_arguments(p.oid),
                        pg_get_function_result(p.oid)
                 FROM pg_proc p WHERE p.proname = $1 AND p.pronamespace = pg_my_temp_schema()",
                &[&&*scratch.name],
            )
            .await?;
        let identity: String = row.try_get(0)?;
        let declared_key = format!(
            "{}({})",
            qualified(def.schema.as_deref(), &def.name),
            def.arguments
        );
        if let Some(mut entry) = catalog.functions.remove(&declared_key) {
            entry.arguments = row.try_get(1)?;
            entry.result = row.try_get(2)?;
            catalog.functions.insert(
                format!(
                    "{}({identity})",
                    qualified(def.schema.as_deref(), &def.name)
                ),
                entry,
            );
        }
    }
    Ok(())
}

/// Each declared domain's checks as the server prints them: the domain made in the temporary
/// schema (in the caller's transaction, with savepoints) and read back. One the server cannot
/// make keeps its declared form.
async fn scratch_domains(
    client: &Client,
    schema: &Schema,
    catalog: &mut Catalog,
) -> Result<(), tokio_postgres::Error> {
    use crate::migrate::render::Step;
    for (n, def) in schema.domains.iter().enumerate() {
        let mut scratch = def.clone();
        scratch.schema = Some("pg_temp".into());
        scratch.name = format!("__schema_core_scratch_domain_{n}").into();
        let sql = Step::CreateDomain(scratch.clone()).sql();
        if crate::migrate::trial::in_savepoint(client, &sql)
            .await?
            .is_err()
        {
            continue;
        }
        let oid: u32 = client
            .query_one(
                "SELECT t.oid FROM pg_type t WHERE t.typname = $1 AND t.typnamespace = pg_my_temp_schema()",
                &[&&*scratch.name],
            )
            .await?
            .try_get(0)?;
        let checks = super::read::domain_checks(client, oid).await?;
        let key = qualified(def.schema.as_deref(), &def.name);
        if let Some(entry) = catalog.domains.get_mut(&key) {
            entry.checks = checks;
        }
    }
    Ok(())
}

/// Each declared view's query as the server prints it: made as a temporary view (in the caller's
/// transaction, with savepoints) and read back with `pg_get_viewdef`. A query the server cannot
/// make keeps its declared form, which the comparison then reports.
async fn scratch_views(
    client: &Client,
    schema: &Schema,
    catalog: &mut Catalog,
) -> Result<(), tokio_postgres::Error> {
    use crate::migrate::render::Step;
    for (n, view) in schema.views.iter().enumerate() {
        let mut scratch = view.clone();
        scratch.materialized = false;
        scratch.relation.schema = Some("pg_temp".into());
        scratch.relation.name = format!("__schema_core_scratch_view_{n}").into();
        let sql = Step::CreateView(scratch.clone()).sql();
        if crate::migrate::trial::in_savepoint(client, &sql)
            .await?
            .is_err()
        {
            continue;
        }
        let definition: String = client
            .query_one(
                "SELECT pg_get_viewdef(c.oid) FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = pg_my_temp_schema()",
                &[&&*scratch.relation.name],
            )
            .await?
            .try_get(0)?;
        let key = qualified(view.relation.schema.as_deref(), &view.relation.name);
        if let Some(entry) = catalog.views.get_mut(&key) {
            entry.definition = definition;
        }
    }
    Ok(())
}

/// Makes `table` as a temporary table (with its checks, keys, defaults and indexes; no foreign
/// keys or triggers) and reads it back; `None` when the server cannot make the table. Each index
/// the server cannot make is left out. Runs inside the caller's transaction, with savepoints.
async fn scratch_table(
    client: &Client,
    n: usize,
    table: &crate::schema::TableDef,
) -> Result<Option<CatalogTable>, tokio_postgres::Error> {
    use crate::migrate::render::Step;
    let mut scratch = table.clone();
    scratch.schema = Some("pg_temp".into());
    scratch.name = format!("__schema_core_scratch_{n}").into();
    scratch.foreign_keys = Default::default();
    // Identity columns make sequences named after the table: they are temporary too.
    let attempt = async |sql: String| {
        crate::migrate::trial::in_savepoint(client, &sql)
            .await
            .map(|done| done.is_ok())
    };
    let mut without_indexes = scratch.clone();
    without_indexes.indexes = Default::default();
    if !attempt(Step::CreateTable(without_indexes).sql()).await? {
        return Ok(None);
    }
    for index in scratch.indexes.iter() {
        let step = Step::CreateIndex {
            table: scratch.qualified_name(),
            index: index.clone(),
            concurrently: false,
        };
        attempt(step.sql()).await?;
    }
    for step in crate::migrate::render::row_security(&scratch) {
        attempt(step.sql()).await?;
    }
    for (k, partition) in table.partitions.iter().enumerate() {
        let mut moved = partition.clone();
        moved.name = scratch_partition(n, k).into();
        let step = Step::CreatePartition {
            parent: scratch.qualified_name(),
            partition: moved,
        };
        attempt(step.sql()).await?;
    }
    for trigger in table.triggers.iter() {
        let mut stand_in = trigger.clone();
        stand_in.function = crate::schema::QualifiedName::new(
            Some("pg_temp".into()),
            "__schema_core_scratch_trigger".into(),
        );
        stand_in.arguments = Default::default();
        let step = Step::AddTrigger {
            table: scratch.qualified_name(),
            trigger: stand_in,
        };
        attempt(step.sql()).await?;
    }
    let oid: u32 = client
        .query_one(
            "SELECT c.oid FROM pg_class c WHERE c.relname = $1 AND c.relnamespace = pg_my_temp_schema()",
            &[&&*scratch.name],
        )
        .await?
        .try_get(0)?;
    read_table(client, oid).await.map(Some)
}
