//! The schema model on its own: built by hand as constants, gathered into a `Schema`, validated.

use std::borrow::Cow;

use schema_core::schema::{
    ColumnDef, DefaultValue, EnumDef, FkAction, ForeignKeyDef, PrimaryKeyDef, QualifiedName,
    Schema, SqlType, Table, TableDef,
};

const fn column(name: &'static str, sql_type: SqlType) -> ColumnDef {
    ColumnDef {
        name: Cow::Borrowed(name),
        sql_type,
        array_dims: 0,
        nullable: false,
        default: None,
        identity: None,
        generated: None,
        on_update: None,
        on_update_trigger: schema_core::schema::OnUpdateTrigger::Off,
        renamed_from: None,
        comment: None,
    }
}

/// A table written as a constant, the way `#[table]` emits it.
const ORDERS: TableDef = TableDef {
    schema: None,
    name: Cow::Borrowed("orders"),
    renamed_from: None,
    columns: Cow::Borrowed(&[
        column("id", SqlType::BigInt),
        column("customer_id", SqlType::Uuid),
    ]),
    primary_key: Some(PrimaryKeyDef {
        name: Cow::Borrowed("orders_pkey"),
        columns: Cow::Borrowed(&[Cow::Borrowed("id")]),
    }),
    uniques: Cow::Borrowed(&[]),
    indexes: Cow::Borrowed(&[]),
    foreign_keys: Cow::Borrowed(&[ForeignKeyDef {
        name: Cow::Borrowed("orders_customer_id_fkey"),
        columns: Cow::Borrowed(&[Cow::Borrowed("customer_id")]),
        references: QualifiedName::new(None, Cow::Borrowed("users")),
        referenced_columns: Cow::Borrowed(&[Cow::Borrowed("uuid")]),
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
    }]),
    checks: Cow::Borrowed(&[]),
    soft_delete: None,
    row_security: schema_core::schema::RowSecurity::Off,
    policies: Cow::Borrowed(&[]),
    comment: None,
    grants: Cow::Borrowed(&[]),
    triggers: Cow::Borrowed(&[]),
    partition_by: None,
    partitions: Cow::Borrowed(&[]),
};

#[test]
fn validation_reports_every_cross_table_problem() {
    let mut schema = Schema::new().table::<example_app::schema::User>();
    schema.add_table(ORDERS);
    schema.add_table(ORDERS);
    schema.add_enum(EnumDef {
        schema: None,
        name: Cow::Borrowed("user_role"),
        labels: Cow::Borrowed(&[Cow::Borrowed("admin")]),
    });
    let errors = schema.validate().unwrap_err();
    insta::assert_snapshot!(errors.to_string(), @r#"
    the schema is not valid:
      - table "orders" is declared twice
      - enum "user_role" is declared twice with different labels
      - foreign key "orders_customer_id_fkey" references column "uuid" of "users", which has no such column
      - the name "orders" (in table "orders") is used twice in schema "public"; tables, partitions, indexes, primary keys and unique constraints share one namespace
      - the name "orders_pkey" (in table "orders") is used twice in schema "public"; tables, partitions, indexes, primary keys and unique constraints share one namespace
      - foreign key "orders_customer_id_fkey" references column "uuid" of "users", which has no such column
    "#);
}

/// Functions and triggers: a trigger calling a declared function that does not return `trigger`,
/// one function declared twice with two bodies, a partition named like a table.
#[test]
fn validation_reports_function_trigger_and_partition_problems() {
    use schema_core::schema::{FunctionDef, PartitionBound, PartitionDef};
    let mut schema = schema_tests::routines::schema().function(
        FunctionDef::new("normalize_email")
            .arguments("email text")
            .body("x"),
    );
    schema.functions.retain(|f| f.name != "audit_row");
    schema.add_function(
        FunctionDef::new("audit_row")
            .returns("void")
            .body("BEGIN END"),
    );
    for table in &mut schema.tables {
        if table.name == "regions" {
            table.partitions.to_mut().push(PartitionDef {
                name: "accounts".into(),
                bound: PartitionBound::In(vec!["'zz'".into()].into()),
            });
        }
    }
    let errors = schema.validate().unwrap_err();
    insta::assert_snapshot!(errors.to_string(), @r#"
    the schema is not valid:
      - the name "accounts" (in table "regions") is used twice in schema "public"; tables, partitions, indexes, primary keys and unique constraints share one namespace
      - function "normalize_email"(email text) is declared twice with different definitions
      - trigger "accounts_audit_insert" of table "accounts" calls function "audit_row", which returns void: a trigger's function returns `trigger`
      - trigger "accounts_audit_update" of table "accounts" calls function "audit_row", which returns void: a trigger's function returns `trigger`
    "#);
}

#[test]
fn gathering_is_canonical_and_collects_enums_and_extensions() {
    let schema = example_app::schema();
    let names: Vec<&str> = schema.tables.iter().map(|t| &*t.name).collect();
    assert_eq!(
        names,
        ["ai_usage_log", "contexts", "messages", "projects", "users"]
    );
    assert_eq!(schema.extensions, ["vector"], "vector(1536) needs pgvector");
    assert_eq!(schema.enums.len(), 1);
    assert_eq!(*schema.enums[0].labels, ["user", "admin"]);
    assert!(schema.validate().is_ok());
}

#[test]
fn the_macro_emits_the_model() {
    let def = example_app::schema::Project::DEF;
    assert_eq!(def.name, "projects");
    let status = def.column("status").unwrap();
    assert_eq!(status.sql_type, SqlType::Varchar(Some(50)));
    assert!(status.nullable);
    assert_eq!(
        status.default,
        Some(DefaultValue::Text(Cow::Borrowed("active")))
    );
    let fk = &def.foreign_keys[0];
    assert_eq!(
        (&*fk.references.name, &*fk.referenced_columns[0]),
        ("users", "id")
    );
    assert_eq!(fk.on_delete, FkAction::Cascade);
    let updated = def.column("updated_at").unwrap();
    assert_eq!(updated.on_update, Some(schema_core::schema::OnUpdate::Now));

    // The typed column items name their table and position.
    use example_app::schema::projects;
    assert_eq!(projects::owner_id.name(), "owner_id");
    assert_eq!(projects::owner_id.table_name(), "projects");
    assert_eq!(def.columns[projects::owner_id.index()].name, "owner_id");
}

#[test]
fn pg_enum_labels_and_postgres_round_trip_names() {
    use example_app::schema::UserRole;
    use schema_core::schema::PgEnum;
    assert_eq!(UserRole::Admin.sql_label(), "admin");
    assert_eq!(UserRole::DEF.name, "user_role");
    let client_side = schema_tests::revision_now();
    assert!(client_side > 0);
}
