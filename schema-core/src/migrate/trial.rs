//! The declared schema tried on a real server before a migration is written or trusted.
//!
//! The macros check what Rust can see; the SQL written by hand inside a declaration (a check's
//! expression, an index's `where` or expression, a `default = sql("…")`, a custom type) only the
//! server can judge. [`try_on`] builds the whole schema in the connection's temporary schema,
//! inside a transaction that is always rolled back, one object at a time, and returns what the
//! server refused, each named by its table and object, in the server's own words. Nothing of the
//! database is touched: extensions created for the trial are rolled back with the rest.

use std::collections::BTreeMap;
use std::fmt;

use tokio_postgres::Client;

use super::render::Step;
use crate::schema::{DefaultValue, FunctionDef, QualifiedName, Schema, SqlType, TableDef, ViewDef};

/// An object of the declared schema that the server refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// What was refused: ``check `email_lower` of table `users` ``.
    pub object: String,
    /// The server's message (with its hint, when it gave one).
    pub message: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.object, self.message)
    }
}

/// Builds `schema` in the temporary schema of `client`'s session, in a transaction rolled back
/// at the end (also when this future is dropped), and returns every object the server refused.
/// An error is returned only when the trial itself could not run (the connection failed).
pub async fn try_on(
    client: &Client,
    schema: &Schema,
) -> Result<Vec<Refused>, tokio_postgres::Error> {
    let mut guard = crate::exec::cleanup::RollbackGuard::new(client, "ROLLBACK");
    client.batch_execute("BEGIN").await?;
    let tried = run(client, schema).await;
    guard.disarm();
    client.batch_execute("ROLLBACK").await?;
    tried
}

async fn run(client: &Client, schema: &Schema) -> Result<Vec<Refused>, tokio_postgres::Error> {
    let mut refused = Vec::new();
    let mut attempt = async |object: &dyn Fn() -> String, sql: String| {
        let error = match in_savepoint(client, &sql).await? {
            Ok(()) => return Ok(true),
            Err(error) => error,
        };
        let mut message = error.message().to_string();
        if let Some(hint) = error.hint() {
            message.push_str(&format!(" (hint: {hint})"));
        }
        refused.push(Refused {
            object: object(),
            message,
        });
        Ok::<_, tokio_postgres::Error>(false)
    };
    for extension in &schema.extensions {
        let step = Step::CreateExtension(extension.to_string());
        attempt(&|| format!("extension `{extension}`"), step.sql()).await?;
    }
    let temporary = Temporary::new(schema);
    for def in &schema.enums {
        let mut scratch = def.clone();
        scratch.schema = Some("pg_temp".into());
        scratch.name = temporary.name(&def.qualified_name()).into();
        let name = def.qualified_name();
        attempt(
            &|| format!("enum `{}`", shown(&name)),
            Step::CreateEnum(scratch).sql(),
        )
        .await?;
    }
    for def in &schema.domains {
        let mut scratch = def.clone();
        scratch.schema = Some("pg_temp".into());
        scratch.name = temporary.name(&def.qualified_name()).into();
        if let SqlType::Enum(base) = &def.base {
            scratch.base = SqlType::Enum(temporary.map(base));
        }
        let name = def.qualified_name();
        attempt(
            &|| format!("domain `{}`", shown(&name)),
            Step::CreateDomain(scratch).sql(),
        )
        .await?;
    }
    for def in &schema.sequences {
        let mut scratch = def.clone();
        scratch.schema = Some("pg_temp".into());
        scratch.name = temporary.name(&def.qualified_name()).into();
        scratch.owned_by = None;
        let name = def.qualified_name();
        attempt(
            &|| format!("sequence `{}`", shown(&name)),
            Step::CreateSequence(scratch).sql(),
        )
        .await?;
    }
    // PL/pgSQL functions before the tables (their bodies are only parsed), SQL ones after.
    let functions = FunctionDef::in_dependency_order(&schema.functions);
    for def in functions.iter().filter(|f| !f.resolves_at_creation()) {
        try_function(&mut attempt, &temporary, def, &schema.functions).await?;
    }
    let mut created = Vec::new();
    for table in &schema.tables {
        let shown_table = shown(&table.qualified_name());
        let scratch = temporary.table(table);
        let mut bare = scratch.clone();
        bare.indexes = Default::default();
        bare.checks = Default::default();
        bare.foreign_keys = Default::default();
        if !attempt(
            &|| format!("table `{shown_table}`"),
            Step::CreateTable(bare).sql(),
        )
        .await?
        {
            continue;
        }
        for check in scratch.checks.iter() {
            let step = Step::AddCheck {
                table: scratch.qualified_name(),
                check: check.clone(),
                not_valid: false,
            };
            let object = || format!("check `{}` of table `{shown_table}`", check.name);
            attempt(&object, step.sql()).await?;
        }
        for index in scratch.indexes.iter() {
            let step = Step::CreateIndex {
                table: scratch.qualified_name(),
                index: index.clone(),
                concurrently: false,
            };
            let object = || format!("index `{}` of table `{shown_table}`", index.name);
            attempt(&object, step.sql()).await?;
        }
        for partition in table.partitions.iter() {
            let mut moved = partition.clone();
            moved.name = temporary.partition(table, &partition.name).into();
            let step = Step::CreatePartition {
                parent: scratch.qualified_name(),
                partition: moved,
            };
            let object = || format!("partition `{}` of table `{shown_table}`", partition.name);
            attempt(&object, step.sql()).await?;
        }
        created.push((shown_table, scratch));
    }
    for def in functions.iter().filter(|f| f.resolves_at_creation()) {
        try_function(&mut attempt, &temporary, def, &schema.functions).await?;
    }
    for (shown_table, scratch) in &created {
        for fk in scratch.foreign_keys.iter() {
            let step = Step::AddForeignKey {
                table: scratch.qualified_name(),
                fk: fk.clone(),
                not_valid: false,
            };
            let object = || format!("foreign key `{}` of table `{shown_table}`", fk.name);
            attempt(&object, step.sql()).await?;
        }
        // Policies and grants name roles, and policies hold SQL: the server judges both.
        for step in super::render::row_security(scratch)
            .into_iter()
            .chain(super::render::comments_and_grants(scratch))
        {
            let object = || match &step {
                Step::CreatePolicy { policy, .. } => {
                    format!("policy `{}` of table `{shown_table}`", policy.name)
                }
                Step::Grant { role, .. } => format!("grant to `{role}` on table `{shown_table}`"),
                _ => format!("row level security or comments of table `{shown_table}`"),
            };
            attempt(&object, step.sql()).await?;
        }
        for trigger in scratch.triggers.iter() {
            let mut moved = trigger.clone();
            moved.function = temporary.map(&trigger.function);
            let step = Step::AddTrigger {
                table: scratch.qualified_name(),
                trigger: moved,
            };
            let object = || format!("trigger `{}` of table `{shown_table}`", trigger.name);
            attempt(&object, step.sql()).await?;
        }
    }
    // Views, after what they read; their queries find the temporary tables first (the
    // temporary schema is searched first for relations).
    for view in ViewDef::in_dependency_order(&schema.views) {
        let mut scratch = view.clone();
        let moved = temporary.map(&view.qualified_name());
        scratch.relation.schema = moved.schema;
        scratch.relation.name = moved.name;
        scratch.materialized = false;
        scratch.relation.indexes = Default::default();
        let name = view.qualified_name();
        attempt(
            &|| format!("view `{}`", shown(&name)),
            Step::CreateView(scratch).sql(),
        )
        .await?;
    }
    Ok(refused)
}

/// Makes a declared function in the temporary schema, under its temporary name. The server never
/// looks for functions in the temporary schema, so the body of an SQL function that calls another
/// declared one is not resolved here (`check_function_bodies` off for it alone): the migration's
/// order (`FunctionDef::in_dependency_order`) is what makes it work there.
async fn try_function<F>(
    attempt: &mut F,
    temporary: &Temporary,
    def: &FunctionDef,
    declared: &[FunctionDef],
) -> Result<bool, tokio_postgres::Error>
where
    F: AsyncFnMut(&dyn Fn() -> String, String) -> Result<bool, tokio_postgres::Error>,
{
    let mut scratch = def.clone();
    scratch.schema = Some("pg_temp".into());
    scratch.name = temporary.name(&def.qualified_name()).into();
    let name = def.qualified_name();
    let arguments = def.arguments.clone();
    let calls_declared = def.resolves_at_creation()
        && declared
            .iter()
            .any(|other| other.name != def.name && def.calls(&other.name));
    let mut sql = Step::CreateFunction(scratch).sql();
    if calls_declared {
        sql = format!(
            "SET LOCAL check_function_bodies = off; {sql} SET LOCAL check_function_bodies = on;"
        );
    }
    attempt(&|| format!("function `{}({arguments})`", shown(&name)), sql).await
}

/// Runs `sql` inside a savepoint of the open transaction: `Ok(Err(refusal))` when the server
/// refused it (the savepoint is rolled back, the transaction goes on), `Err` when the
/// connection failed.
pub(crate) async fn in_savepoint(
    client: &Client,
    sql: &str,
) -> Result<Result<(), Box<tokio_postgres::error::DbError>>, tokio_postgres::Error> {
    client.batch_execute("SAVEPOINT attempt").await?;
    match client.batch_execute(sql).await {
        Ok(()) => client
            .batch_execute("RELEASE SAVEPOINT attempt")
            .await
            .map(Ok),
        Err(error) => match error.as_db_error() {
            Some(refusal) => {
                let refusal = Box::new(refusal.clone());
                client
                    .batch_execute("ROLLBACK TO SAVEPOINT attempt")
                    .await
                    .map(|()| Err(refusal))
            }
            None => Err(error),
        },
    }
}

/// `auth.users`, or `users` in the default schema.
fn shown(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{schema}.{}", name.name),
        None => name.name.to_string(),
    }
}

/// The names of the schema's tables and enums in the temporary schema: their own, or
/// `<schema>__<name>` for those of a named schema (the temporary schema is one namespace).
struct Temporary {
    names: BTreeMap<QualifiedName, String>,
}

impl Temporary {
    fn new(schema: &Schema) -> Self {
        let mut names = BTreeMap::new();
        let mut add = |name: QualifiedName| {
            let temporary = match &name.schema {
                Some(schema) => format!("{schema}__{}", name.name),
                None => name.name.to_string(),
            };
            names.insert(name, temporary);
        };
        schema.enums.iter().for_each(|e| add(e.qualified_name()));
        schema.domains.iter().for_each(|d| add(d.qualified_name()));
        schema
            .sequences
            .iter()
            .for_each(|s| add(s.qualified_name()));
        schema.tables.iter().for_each(|t| add(t.qualified_name()));
        schema.views.iter().for_each(|v| add(v.qualified_name()));
        schema
            .functions
            .iter()
            .for_each(|f| add(f.qualified_name()));
        Temporary { names }
    }

    /// The temporary name of a partition of `table`.
    fn partition(&self, table: &TableDef, partition: &str) -> String {
        match &table.schema {
            Some(schema) => format!("{schema}__{partition}"),
            None => partition.to_string(),
        }
    }

    fn name(&self, name: &QualifiedName) -> String {
        self.names
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.name.to_string())
    }

    /// The name in the temporary schema of an object of the schema; others stay as they are.
    fn map(&self, name: &QualifiedName) -> QualifiedName {
        if self.names.contains_key(name) {
            QualifiedName::new(Some("pg_temp".into()), self.name(name).into())
        } else {
            name.clone()
        }
    }

    /// `table` moved to the temporary schema, with its enum columns and foreign keys pointing
    /// at the temporary copies.
    fn table(&self, table: &TableDef) -> TableDef {
        let mut scratch = table.clone();
        let moved = self.map(&table.qualified_name());
        scratch.schema = moved.schema;
        scratch.name = moved.name;
        scratch.renamed_from = None;
        let mut columns = scratch.columns.to_vec();
        for column in &mut columns {
            match &column.sql_type {
                SqlType::Enum(name) => column.sql_type = SqlType::Enum(self.map(name)),
                SqlType::Domain(name) => column.sql_type = SqlType::Domain(self.map(name)),
                _ => {}
            }
            if let Some(DefaultValue::NextVal(sequence)) = &column.default {
                column.default = Some(DefaultValue::NextVal(self.map(sequence)));
            }
        }
        scratch.columns = columns.into();
        let mut foreign_keys = scratch.foreign_keys.to_vec();
        for fk in &mut foreign_keys {
            fk.references = self.map(&fk.references);
        }
        scratch.foreign_keys = foreign_keys.into();
        scratch
    }
}
