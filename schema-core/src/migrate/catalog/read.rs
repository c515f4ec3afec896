//! Reading a live database's catalog ([`Catalog::read`]): tables, columns, constraints,
//! indexes, triggers, enums and extensions, as the server prints them.

use std::collections::BTreeMap;

use tokio_postgres::Client;

use super::{
    fk_action, qualified, Catalog, CatalogColumn, CatalogDomain, CatalogForeignKey,
    CatalogFunction, CatalogIndex, CatalogIndexKey, CatalogPolicy, CatalogSequence, CatalogTable,
    CatalogTrigger, CatalogUnique, CatalogView, OTHER_JOURNALS,
};
use crate::schema::{PolicyCommand, TriggerEvent, TriggerTiming, Volatility};

impl Catalog {
    /// Reads the user objects of the connected database (outside `pg_catalog`,
    /// `information_schema`, extensions' own objects and the runner's journal table).
    pub async fn read(client: &Client) -> Result<Catalog, tokio_postgres::Error> {
        let mut catalog = Catalog::default();
        for row in client
            .query(
                "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname",
                &[],
            )
            .await?
        {
            catalog.extensions.push(row.try_get(0)?);
        }
        for row in client
            .query(
                "SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_type t
                 JOIN pg_namespace n ON n.oid = t.typnamespace
                 JOIN pg_enum e ON e.enumtypid = t.oid
                 WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
                 GROUP BY n.nspname, t.typname",
                &[],
            )
            .await?
        {
            let schema: String = row.try_get(0)?;
            let name: String = row.try_get(1)?;
            catalog.enums.insert(qualified(Some(&schema), &name), row.try_get(2)?);
        }
        // Sequences of their own (not an identity column's, nor a journal table's), with the
        // column that owns one.
        for row in client
            .query(
                "SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
                        s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
                        (SELECT tn.nspname || '.' || t.relname || '.' || a.attname
                         FROM pg_depend d
                         JOIN pg_class t ON t.oid = d.refobjid
                         JOIN pg_namespace tn ON tn.oid = t.relnamespace
                         JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                           AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a')
                 FROM pg_sequence s
                 JOIN pg_class c ON c.oid = s.seqrelid
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg_temp%'
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('i', 'e'))
                   AND NOT EXISTS (
                       SELECT 1 FROM pg_depend d
                       JOIN pg_class t ON t.oid = d.refobjid
                       JOIN pg_namespace tn ON tn.oid = t.relnamespace
                       WHERE d.objid = c.oid AND d.deptype = 'a'
                         AND (t.relname = $1
                              OR (tn.nspname, t.relname) IN (SELECT * FROM unnest($2::text[], $3::text[]))))",
                &[
                    &crate::migrate::runner::JOURNAL_TABLE,
                    &OTHER_JOURNALS.map(|(schema, _, _)| schema).to_vec(),
                    &OTHER_JOURNALS.map(|(_, table, _)| table).to_vec(),
                ],
            )
            .await?
        {
            let schema: String = row.try_get(0)?;
            let name: String = row.try_get(1)?;
            catalog.sequences.insert(
                qualified(Some(&schema), &name),
                CatalogSequence {
                    data_type: row.try_get(2)?,
                    start: row.try_get(3)?,
                    increment: row.try_get(4)?,
                    min: row.try_get(5)?,
                    max: row.try_get(6)?,
                    cache: row.try_get(7)?,
                    cycle: row.try_get(8)?,
                    owned_by: row.try_get(9)?,
                },
            );
        }
        for row in client
            .query(
                "SELECT t.oid, n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                 WHERE t.typtype = 'd'
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg_temp%'
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')",
                &[],
            )
            .await?
        {
            let oid: u32 = row.try_get(0)?;
            let schema: String = row.try_get(1)?;
            let name: String = row.try_get(2)?;
            catalog.domains.insert(
                qualified(Some(&schema), &name),
                CatalogDomain {
                    base: row.try_get(3)?,
                    not_null: row.try_get(4)?,
                    checks: domain_checks(client, oid).await?,
                },
            );
        }
        let views = client
            .query(
                "SELECT c.oid, n.nspname, c.relname, c.relkind = 'm', pg_get_viewdef(c.oid)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('v', 'm')
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg_temp%'
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
                &[],
            )
            .await?;
        for view in views {
            let oid: u32 = view.try_get(0)?;
            let schema: String = view.try_get(1)?;
            let name: String = view.try_get(2)?;
            catalog.views.insert(
                qualified(Some(&schema), &name),
                CatalogView {
                    materialized: view.try_get(3)?,
                    definition: view.try_get(4)?,
                    relation: read_table(client, oid).await?,
                },
            );
        }
        catalog.functions = functions(client).await?;
        // Partitions are read with their parent (a partition of a partition too).
        let tables = client
            .query(
                "SELECT c.oid, n.nspname, c.relname
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg_toast%'
                   AND c.relname <> $1
                   AND (n.nspname, c.relname) NOT IN (SELECT * FROM unnest($2::text[], $3::text[]))
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')",
                &[
                    &crate::migrate::runner::JOURNAL_TABLE,
                    &OTHER_JOURNALS.map(|(schema, _, _)| schema).to_vec(),
                    &OTHER_JOURNALS.map(|(_, table, _)| table).to_vec(),
                ],
            )
            .await?;
        for table in tables {
            let oid: u32 = table.try_get(0)?;
            let schema: String = table.try_get(1)?;
            let name: String = table.try_get(2)?;
            catalog.tables.insert(
                qualified(Some(&schema), &name),
                read_table(client, oid).await?,
            );
        }
        Ok(catalog)
    }
}

/// The functions of the user's schemas (not an extension's), by `schema.name(argument types)`.
pub(super) async fn functions(
    client: &Client,
) -> Result<BTreeMap<String, CatalogFunction>, tokio_postgres::Error> {
    let mut functions = BTreeMap::new();
    for row in client
        .query(
            "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
                    pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), l.lanname,
                    p.provolatile::text, p.proisstrict, p.prosecdef, p.prosrc
             FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             JOIN pg_language l ON l.oid = p.prolang
             WHERE p.prokind = 'f'
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast%'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                               WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')",
            &[],
        )
        .await?
    {
        let schema: String = row.try_get(0)?;
        let name: String = row.try_get(1)?;
        let identity: String = row.try_get(2)?;
        functions.insert(
            format!("{}({identity})", qualified(Some(&schema), &name)),
            CatalogFunction {
                arguments: row.try_get(3)?,
                result: row.try_get(4)?,
                language: row.try_get(5)?,
                volatility: match row.try_get::<_, String>(6)?.as_str() {
                    "s" => Volatility::Stable,
                    "i" => Volatility::Immutable,
                    _ => Volatility::Volatile,
                },
                strict: row.try_get(7)?,
                security_definer: row.try_get(8)?,
                body: row.try_get(9)?,
            },
        );
    }
    Ok(functions)
}

/// A table's triggers (not the server's own, which enforce foreign keys), by name.
pub(super) async fn triggers(
    client: &Client,
    oid: u32,
    attnames: &BTreeMap<i16, String>,
) -> Result<BTreeMap<String, CatalogTrigger>, tokio_postgres::Error> {
    let mut triggers = BTreeMap::new();
    for row in client
        .query(
            "SELECT t.tgname, t.tgtype::int, t.tgattr::int2[], n.nspname, p.proname,
                    pg_get_triggerdef(t.oid), t.tgnargs::int, t.tgargs
             FROM pg_trigger t
             JOIN pg_proc p ON p.oid = t.tgfoid
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE t.tgrelid = $1 AND NOT t.tgisinternal AND t.tgparentid = 0",
            &[&oid],
        )
        .await?
    {
        let kind: i32 = row.try_get(1)?;
        let timing = if kind & 64 != 0 {
            TriggerTiming::InsteadOf
        } else if kind & 2 != 0 {
            TriggerTiming::Before
        } else {
            TriggerTiming::After
        };
        let events = [
            (4, TriggerEvent::Insert),
            (16, TriggerEvent::Update),
            (8, TriggerEvent::Delete),
            (32, TriggerEvent::Truncate),
        ]
        .into_iter()
        .filter(|(bit, _)| kind & bit != 0)
        .map(|(_, event)| event)
        .collect();
        let columns: Vec<i16> = row.try_get(2)?;
        let schema: String = row.try_get(3)?;
        let function: String = row.try_get(4)?;
        let definition: String = row.try_get(5)?;
        let count: i32 = row.try_get(6)?;
        let raw: Vec<u8> = row.try_get(7)?;
        let arguments = raw
            .split(|b| *b == 0)
            .take(count.max(0) as usize)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        triggers.insert(
            row.try_get(0)?,
            CatalogTrigger {
                timing,
                events,
                update_of: columns
                    .iter()
                    .map(|n| attnames.get(n).cloned().unwrap_or_else(|| format!("#{n}")))
                    .collect(),
                for_each_row: kind & 1 != 0,
                when: when_condition(&definition),
                function: qualified(Some(&schema), &function),
                arguments,
            },
        );
    }
    Ok(triggers)
}

/// The `WHEN (…)` condition of a trigger, cut from `pg_get_triggerdef`'s text: what follows
/// `FOR EACH ROW|STATEMENT WHEN ` up to the last ` EXECUTE FUNCTION `.
fn when_condition(definition: &str) -> Option<String> {
    let after = ["FOR EACH ROW WHEN ", "FOR EACH STATEMENT WHEN "]
        .iter()
        .find_map(|head| definition.find(head).map(|at| at + head.len()))?;
    let end = definition.rfind(" EXECUTE FUNCTION ")?;
    (end > after).then(|| definition[after..end].to_string())
}

/// A partitioned table's key (`RANGE (created_at)`) and its partitions with their bounds.
pub(super) async fn partitions(
    client: &Client,
    oid: u32,
) -> Result<(Option<String>, BTreeMap<String, String>), tokio_postgres::Error> {
    let key: Option<String> = client
        .query_one(
            "SELECT CASE WHEN relkind = 'p' THEN pg_get_partkeydef(oid) END FROM pg_class WHERE oid = $1",
            &[&oid],
        )
        .await?
        .try_get(0)?;
    let mut partitions = BTreeMap::new();
    if key.is_some() {
        for row in client
            .query(
                "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
                 FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = $1",
                &[&oid],
            )
            .await?
        {
            partitions.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    Ok((key, partitions))
}

/// A domain's checks, by name, as `pg_get_constraintdef` prints them without `CHECK`.
pub(super) async fn domain_checks(
    client: &Client,
    oid: u32,
) -> Result<BTreeMap<String, String>, tokio_postgres::Error> {
    let mut checks = BTreeMap::new();
    for row in client
        .query(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE contypid = $1 AND contype = 'c'",
            &[&oid],
        )
        .await?
    {
        let definition: String = row.try_get(1)?;
        let expression = definition
            .strip_prefix("CHECK ")
            .unwrap_or(&definition)
            .to_string();
        checks.insert(row.try_get(0)?, expression);
    }
    Ok(checks)
}

pub(super) async fn read_table(
    client: &Client,
    oid: u32,
) -> Result<CatalogTable, tokio_postgres::Error> {
    let mut table = CatalogTable::default();
    let mut attnames: BTreeMap<i16, String> = BTreeMap::new();
    for row in client
        .query(
            "SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                    col_description(a.attrelid, a.attnum)
             FROM pg_attribute a
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
            &[&oid],
        )
        .await?
    {
        let name: String = row.try_get(1)?;
        attnames.insert(row.try_get(0)?, name.clone());
        let identity: String = row.try_get(5)?;
        // A generated column's expression is kept where a default is (`pg_attrdef`).
        let expression: Option<String> = row.try_get(4)?;
        let generated = row.try_get::<_, String>(6)? == "s";
        table.columns.push(CatalogColumn {
            name,
            type_name: row.try_get(2)?,
            not_null: row.try_get(3)?,
            default: expression.clone().filter(|_| !generated),
            identity: identity.chars().next(),
            generated: expression.filter(|_| generated),
            comment: row.try_get(7)?,
        });
    }
    let security = client
        .query_one(
            "SELECT relrowsecurity, relforcerowsecurity, obj_description(oid, 'pg_class') FROM pg_class WHERE oid = $1",
            &[&oid],
        )
        .await?;
    table.row_security = security.try_get(0)?;
    table.force_row_security = security.try_get(1)?;
    table.comment = security.try_get(2)?;
    for row in client
        .query(
            "SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_get_userbyid(a.grantee)::text END,
                    a.privilege_type::text
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = $1 AND a.grantee <> c.relowner
             ORDER BY 1, 2",
            &[&oid],
        )
        .await?
    {
        table
            .grants
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    for row in client
        .query(
            "SELECT p.polname, p.polcmd::text, p.polpermissive,
                    CASE WHEN p.polroles = '{0}' THEN ARRAY['public']
                         ELSE ARRAY(SELECT r.rolname::text FROM pg_roles r WHERE r.oid = ANY (p.polroles) ORDER BY 1) END,
                    pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
             FROM pg_policy p WHERE p.polrelid = $1",
            &[&oid],
        )
        .await?
    {
        let command = match row.try_get::<_, String>(1)?.as_str() {
            "r" => PolicyCommand::Select,
            "a" => PolicyCommand::Insert,
            "w" => PolicyCommand::Update,
            "d" => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        };
        table.policies.insert(
            row.try_get(0)?,
            CatalogPolicy {
                command,
                restrictive: !row.try_get::<_, bool>(2)?,
                roles: row.try_get(3)?,
                using: row.try_get(4)?,
                with_check: row.try_get(5)?,
            },
        );
    }
    let cols = |nums: Option<Vec<i16>>| -> Vec<String> {
        nums.unwrap_or_default()
            .iter()
            .map(|n| attnames.get(n).cloned().unwrap_or_else(|| format!("#{n}")))
            .collect()
    };
    for row in client
        .query(
            "SELECT c.conname, c.contype::text, c.conkey, c.confkey, fn.nspname, fc.relname,
                    c.confdeltype::text, c.confupdtype::text, pg_get_constraintdef(c.oid, true),
                    COALESCE(i.indnullsnotdistinct, false), c.confrelid
             FROM pg_constraint c
             LEFT JOIN pg_class fc ON fc.oid = c.confrelid
             LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
             LEFT JOIN pg_index i ON i.indexrelid = c.conindid AND c.contype = 'u'
             WHERE c.conrelid = $1 AND c.conparentid = 0",
            &[&oid],
        )
        .await?
    {
        let name: String = row.try_get(0)?;
        let kind: String = row.try_get(1)?;
        match kind.as_str() {
            "p" => table.primary_key = Some((name, cols(row.try_get(2)?))),
            "u" => {
                let unique = CatalogUnique {
                    columns: cols(row.try_get(2)?),
                    nulls_not_distinct: row.try_get(9)?,
                };
                table.uniques.insert(name, unique);
            }
            "f" => {
                let ref_oid: u32 = row.try_get(10)?;
                let ref_names = column_names(client, ref_oid).await?;
                let referenced: Option<Vec<i16>> = row.try_get(3)?;
                let schema: String = row.try_get(4)?;
                let relname: String = row.try_get(5)?;
                let del: String = row.try_get(6)?;
                let upd: String = row.try_get(7)?;
                let fk = CatalogForeignKey {
                    columns: cols(row.try_get(2)?),
                    references: qualified(Some(&schema), &relname),
                    referenced_columns: referenced
                        .unwrap_or_default()
                        .iter()
                        .map(|n| ref_names.get(n).cloned().unwrap_or_default())
                        .collect(),
                    on_delete: fk_action(del.as_bytes()[0] as i8),
                    on_update: fk_action(upd.as_bytes()[0] as i8),
                };
                table.foreign_keys.insert(name, fk);
            }
            "c" => {
                let def: String = row.try_get(8)?;
                let expr = def.strip_prefix("CHECK ").unwrap_or(&def).to_string();
                table.checks.insert(name, expr);
            }
            _ => {}
        }
    }
    for row in client
        .query(
            "SELECT ic.relname, am.amname, x.indisunique, x.indnkeyatts::int,
                    pg_get_expr(x.indpred, x.indrelid),
                    ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnkeyatts) k),
                    ARRAY(SELECT x.indkey[k - 1]::int FROM generate_series(1, x.indnkeyatts) k),
                    ARRAY(SELECT x.indoption[k - 1]::int FROM generate_series(1, x.indnkeyatts) k),
                    ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname::text END
                          FROM generate_series(1, x.indnkeyatts) k
                          JOIN pg_opclass oc ON oc.oid = x.indclass[k - 1]
                          ORDER BY k),
                    COALESCE(ic.reloptions, '{}')
             FROM pg_index x
             JOIN pg_class ic ON ic.oid = x.indexrelid
             JOIN pg_am am ON am.oid = ic.relam
             WHERE x.indrelid = $1
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)",
            &[&oid],
        )
        .await?
    {
        let name: String = row.try_get(0)?;
        let defs: Vec<String> = row.try_get(5)?;
        let attnums: Vec<i32> = row.try_get(6)?;
        let options: Vec<i32> = row.try_get(7)?;
        let opclasses: Vec<String> = row.try_get(8)?;
        let keys = defs
            .into_iter()
            .enumerate()
            .map(|(k, key)| {
                let option = options.get(k).copied().unwrap_or(0);
                CatalogIndexKey {
                    key,
                    is_expression: attnums.get(k).copied() == Some(0),
                    desc: option & 1 != 0,
                    nulls_first: option & 2 != 0,
                    opclass: opclasses.get(k).filter(|o| !o.is_empty()).cloned(),
                }
            })
            .collect();
        let index = CatalogIndex {
            method: row.try_get(1)?,
            unique: row.try_get(2)?,
            keys,
            predicate: row.try_get(4)?,
            options: row.try_get(9)?,
        };
        table.indexes.insert(name, index);
    }
    table.triggers = triggers(client, oid, &attnames).await?;
    (table.partition_by, table.partitions) = partitions(client, oid).await?;
    Ok(table)
}

async fn column_names(
    client: &Client,
    oid: u32,
) -> Result<BTreeMap<i16, String>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT attnum, attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0",
            &[&oid],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}
