//! The steps a migration is made of ([`Step`]), one schema change each, and what the runner
//! needs to know of them. Their SQL is in `render`, their warnings in `lint`.

use crate::schema::{
    CheckDef, ColumnDef, DefaultValue, DomainDef, EnumDef, ForeignKeyDef, FunctionDef, Identity,
    IndexDef, OnUpdateTrigger, OwnedBy, PartitionDef, PolicyDef, Privilege, QualifiedName,
    RowSecurity, SequenceDef, SqlType, TableDef, TriggerDef, UniqueDef, ViewDef,
};

/// Where an online `SET NOT NULL` is with its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckPhase {
    Add,
    Validate,
    Drop,
}

/// The name of the temporary check of an online `SET NOT NULL` (PostgreSQL 18 names its own
/// not-null constraints `<table>_<column>_not_null`; this one stays apart), cut to 63 bytes.
pub fn not_null_check_name(table: &str, column: &str) -> String {
    let mut name = format!("{table}_{column}_not_null_check");
    crate::sql::truncate_identifier(&mut name);
    name
}

/// One step of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    CreateExtension(String),
    DropExtension(String),
    CreateNamespace(String),
    CreateEnum(EnumDef),
    DropEnum(QualifiedName),
    /// `ALTER TYPE … ADD VALUE 'v' BEFORE 'w'` (or `AFTER`, or at the end).
    AddEnumValue {
        name: QualifiedName,
        value: String,
        before: Option<String>,
        after: Option<String>,
    },
    /// `CREATE SEQUENCE` with its options (its owner is set by [`Step::SequenceOwnedBy`], once
    /// the table exists).
    CreateSequence(SequenceDef),
    /// `ALTER SEQUENCE` to the declared options (the sequence's current value is kept).
    AlterSequence(SequenceDef),
    DropSequence(QualifiedName),
    /// `ALTER SEQUENCE … OWNED BY table.column` (or `OWNED BY NONE`).
    SequenceOwnedBy {
        name: QualifiedName,
        owned_by: Option<OwnedBy>,
    },
    CreateTable(TableDef),
    /// `CREATE DOMAIN name AS base [NOT NULL] CONSTRAINT … CHECK (…)`.
    CreateDomain(DomainDef),
    DropDomain(QualifiedName),
    /// `ALTER DOMAIN … ADD CONSTRAINT … CHECK (…)`: every value of the domain is checked.
    AddDomainCheck {
        name: QualifiedName,
        check: CheckDef,
    },
    DropDomainCheck {
        name: QualifiedName,
        check: String,
    },
    /// `ALTER DOMAIN … SET NOT NULL` / `DROP NOT NULL`.
    DomainNotNull {
        name: QualifiedName,
        not_null: bool,
    },
    /// `CREATE [MATERIALIZED] VIEW name (columns) AS query` (a materialized view's indexes are
    /// `CreateIndex` steps after it).
    CreateView(ViewDef),
    DropView {
        name: QualifiedName,
        materialized: bool,
    },
    /// `ALTER TABLE … ENABLE/DISABLE [NO] FORCE ROW LEVEL SECURITY`, from one state to another.
    SetRowSecurity {
        table: QualifiedName,
        from: RowSecurity,
        to: RowSecurity,
    },
    CreatePolicy {
        table: QualifiedName,
        policy: PolicyDef,
    },
    /// `COMMENT ON TABLE` (no column) or `COMMENT ON COLUMN`; `None` removes it.
    Comment {
        table: QualifiedName,
        column: Option<String>,
        comment: Option<String>,
    },
    /// `GRANT privileges ON table TO role`.
    Grant {
        table: QualifiedName,
        role: String,
        privileges: Vec<Privilege>,
    },
    /// `REVOKE privileges ON table FROM role`.
    Revoke {
        table: QualifiedName,
        role: String,
        privileges: Vec<Privilege>,
    },
    DropPolicy {
        table: QualifiedName,
        name: String,
    },
    DropTable(QualifiedName),
    RenameTable {
        from: QualifiedName,
        to: String,
    },
    AddColumn {
        table: QualifiedName,
        column: ColumnDef,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    /// A generated column whose expression changed, or a plain column that becomes generated:
    /// dropped and added again in one statement (PostgreSQL 15 cannot change the expression in
    /// place), so its values are computed anew. `replaces_values` when the column was plain.
    RegenerateColumn {
        table: QualifiedName,
        column: ColumnDef,
        replaces_values: bool,
    },
    /// `ALTER COLUMN … DROP EXPRESSION`: a generated column becomes a plain one, keeping its
    /// values.
    DropExpression {
        table: QualifiedName,
        column: String,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// `ALTER COLUMN … TYPE …`, with `USING` when PostgreSQL has no implicit cast.
    AlterColumnType {
        table: QualifiedName,
        column: String,
        sql_type: String,
        using: Option<String>,
        rewrites: bool,
        /// Existing values may not fit (and the statement may fail, or lose precision).
        narrowing: bool,
    },
    /// `SET NOT NULL`; `checked` when a validated `NOT NULL` check (see [`Step::NotNullCheck`])
    /// lets PostgreSQL skip the table scan.
    SetNotNull {
        table: QualifiedName,
        column: String,
        checked: bool,
    },
    /// The check around an online `SET NOT NULL`: added `NOT VALID`, validated while writes
    /// continue, dropped once the column is `NOT NULL`.
    NotNullCheck {
        table: QualifiedName,
        column: String,
        phase: CheckPhase,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    SetDefault {
        table: QualifiedName,
        column: String,
        default: DefaultValue,
        sql_type: SqlType,
    },
    DropDefault {
        table: QualifiedName,
        column: String,
    },
    AddIdentity {
        table: QualifiedName,
        column: String,
        identity: Identity,
    },
    DropIdentity {
        table: QualifiedName,
        column: String,
    },
    AddPrimaryKey {
        table: QualifiedName,
        name: String,
        columns: Vec<String>,
    },
    /// `ADD CONSTRAINT … UNIQUE`, or with `using_index` the constraint adopting the unique index
    /// of the same name that [`Step::CreateUniqueIndex`] built.
    AddUnique {
        table: QualifiedName,
        unique: UniqueDef,
        using_index: bool,
    },
    /// The index of a unique constraint, built `CONCURRENTLY`.
    CreateUniqueIndex {
        table: QualifiedName,
        unique: UniqueDef,
    },
    AddCheck {
        table: QualifiedName,
        check: CheckDef,
        not_valid: bool,
    },
    AddForeignKey {
        table: QualifiedName,
        fk: ForeignKeyDef,
        not_valid: bool,
    },
    ValidateConstraint {
        table: QualifiedName,
        name: String,
    },
    DropConstraint {
        table: QualifiedName,
        name: String,
    },
    RenameConstraint {
        table: QualifiedName,
        from: String,
        to: String,
    },
    CreateIndex {
        table: QualifiedName,
        index: IndexDef,
        concurrently: bool,
    },
    /// The function of a table's on-update trigger: sets each column to `now()` (unless the
    /// update set it itself, for [`OnUpdateTrigger::UnlessSet`]).
    CreateTriggerFunction {
        table: QualifiedName,
        name: String,
        columns: Vec<(String, OnUpdateTrigger)>,
    },
    /// `CREATE OR REPLACE FUNCTION`: made, or its body and options replaced in place.
    CreateFunction(FunctionDef),
    /// `DROP FUNCTION name(arguments)`.
    DropFunction {
        name: QualifiedName,
        arguments: String,
    },
    /// `CREATE TRIGGER` of a trigger written by hand.
    AddTrigger {
        table: QualifiedName,
        trigger: TriggerDef,
    },
    RenameTrigger {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// `CREATE TABLE p PARTITION OF parent FOR VALUES …`.
    CreatePartition {
        parent: QualifiedName,
        partition: PartitionDef,
    },
    /// `ALTER TABLE parent ATTACH PARTITION p FOR VALUES …` (the server checks its rows).
    AttachPartition {
        parent: QualifiedName,
        partition: PartitionDef,
    },
    /// A foreign key added to a partitioned table that has rows: PostgreSQL cannot add one
    /// `NOT VALID` there, so it is checked as it is added.
    AddForeignKeyChecked {
        table: QualifiedName,
        fk: ForeignKeyDef,
    },
    /// `CREATE INDEX IF NOT EXISTS … ON ONLY parent`: the index of a partitioned table alone,
    /// invalid until each partition's index is attached ([`Step::AttachIndex`]).
    CreateIndexOnOnly {
        table: QualifiedName,
        index: IndexDef,
    },
    /// `ALTER INDEX parent_index ATTACH PARTITION child_index`.
    AttachIndex {
        schema: Option<String>,
        index: String,
        child: String,
    },
    /// `ALTER TABLE parent DETACH PARTITION p`: `p` stays, a table of its own.
    DetachPartition {
        parent: QualifiedName,
        name: String,
    },
    CreateTrigger {
        table: QualifiedName,
        name: String,
    },
    DropTrigger {
        table: QualifiedName,
        name: String,
    },
    DropTriggerFunction {
        schema: Option<String>,
        name: String,
    },
    DropIndex {
        schema: Option<String>,
        name: String,
    },
    RenameIndex {
        schema: Option<String>,
        from: String,
        to: String,
    },
}

impl Step {
    /// Whether the statement may run for long while holding only weak locks (a concurrent index
    /// build, a validation): no statement timeout in an online file, where a timeout would abort
    /// hours of work.
    pub fn runs_long_online(&self) -> bool {
        self.needs_autocommit()
            || matches!(
                self,
                Step::ValidateConstraint { .. }
                    | Step::NotNullCheck {
                        phase: CheckPhase::Validate,
                        ..
                    }
            )
    }

    /// Whether the step can only run outside a transaction block.
    pub fn needs_autocommit(&self) -> bool {
        matches!(
            self,
            Step::CreateIndex {
                concurrently: true,
                ..
            } | Step::CreateUniqueIndex { .. }
        )
    }
}
