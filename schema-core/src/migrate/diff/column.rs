//! The diff of one column: added, or changed in type (with `USING`, a rewrite, or a narrowing
//! that loses data), nullability, default or identity.

use super::{display, Differ};
use crate::migrate::render::{column_type, CheckPhase, Step};
use crate::schema::{ColumnDef, QualifiedName, SqlType};

impl Differ {
    pub(super) fn add_column(&mut self, table: &QualifiedName, column: &ColumnDef) {
        if !column.nullable && column.default.is_none() && column.identity.is_none() {
            self.refusals.push(format!(
                "column \"{}\" of {} is added NOT NULL without a default, which fails on a table that has rows. \
                 Add it in two steps: first as an `Option<…>` (or with a `default = …`), backfill it, then make it \
                 NOT NULL in a later migration",
                column.name,
                display(table)
            ));
            return;
        }
        self.alters.push(Step::AddColumn {
            table: table.clone(),
            column: column.clone(),
        });
    }

    pub(super) fn column(&mut self, table: &QualifiedName, old: &ColumnDef, new: &ColumnDef) {
        let name = new.name.to_string();
        let type_changes = old.sql_type != new.sql_type || old.array_dims != new.array_dims;
        if type_changes {
            // A default does not follow a type change by itself: drop it first, set it after.
            if old.default.is_some() {
                self.alters.push(Step::DropDefault {
                    table: table.clone(),
                    column: name.clone(),
                });
            }
            let change = type_change(old, new);
            let step = Step::AlterColumnType {
                table: table.clone(),
                column: name.clone(),
                sql_type: column_type(new),
                using: change.using,
                rewrites: change.rewrites,
                narrowing: change.narrowing,
            };
            if change.narrowing {
                let reason = format!(
                    "column \"{name}\" of {} changes from {} to {}, which can lose or refuse existing values",
                    display(table),
                    column_type(old),
                    column_type(new)
                );
                if let Some(step) = self.lose(
                    step,
                    reason,
                    "keep the wider type, or migrate the values by hand first",
                ) {
                    self.alters.push(step);
                }
            } else {
                self.alters.push(step);
            }
        }
        let identity_changes = old.identity != new.identity;
        if identity_changes && old.identity.is_some() {
            self.alters.push(Step::DropIdentity {
                table: table.clone(),
                column: name.clone(),
            });
        }
        if old.nullable != new.nullable {
            if new.nullable {
                self.alters.push(Step::DropNotNull {
                    table: table.clone(),
                    column: name.clone(),
                });
            } else if identity_changes && new.identity.is_some() {
                // An identity column must be NOT NULL before it becomes one: in the transaction.
                self.alters.push(Step::SetNotNull {
                    table: table.clone(),
                    column: name.clone(),
                    checked: false,
                });
            } else {
                // Online: a NOT VALID check now; validated while writes continue, then SET NOT
                // NULL without a scan, then the check goes.
                self.alters.push(Step::NotNullCheck {
                    table: table.clone(),
                    column: name.clone(),
                    phase: CheckPhase::Add,
                });
                self.online.push(Step::NotNullCheck {
                    table: table.clone(),
                    column: name.clone(),
                    phase: CheckPhase::Validate,
                });
                self.online.push(Step::SetNotNull {
                    table: table.clone(),
                    column: name.clone(),
                    checked: true,
                });
                self.online.push(Step::NotNullCheck {
                    table: table.clone(),
                    column: name.clone(),
                    phase: CheckPhase::Drop,
                });
            }
        }
        if identity_changes {
            if let Some(identity) = new.identity {
                self.alters.push(Step::AddIdentity {
                    table: table.clone(),
                    column: name.clone(),
                    identity,
                });
            }
        }
        if old.default != new.default || (type_changes && old.default.is_some()) {
            match &new.default {
                Some(default) => self.alters.push(Step::SetDefault {
                    table: table.clone(),
                    column: name.clone(),
                    default: default.clone(),
                    sql_type: new.sql_type.clone(),
                }),
                None => self.alters.push(Step::DropDefault {
                    table: table.clone(),
                    column: name.clone(),
                }),
            }
        }
    }
}

struct TypeChange {
    using: Option<String>,
    rewrites: bool,
    narrowing: bool,
}

/// How a column's type change is done: whether it needs `USING`, rewrites the table, or can lose
/// or refuse existing values (narrowing). Each judgement is checked against the server by
/// `tests/tests/type_changes.rs`, which applies the change to extreme values and watches the
/// table's file node.
fn type_change(old: &ColumnDef, new: &ColumnDef) -> TypeChange {
    use SqlType::*;
    let column = crate::sql::quote_ident(&new.name);
    let cast = |target: String| Some(format!("{column}::{target}"));
    let change = |rewrites: bool, narrowing: bool| TypeChange {
        using: None,
        rewrites,
        narrowing,
    };
    if old.array_dims != new.array_dims {
        return TypeChange {
            using: cast(column_type(new)),
            rewrites: true,
            narrowing: true,
        };
    }
    match (&old.sql_type, &new.sql_type) {
        // Exact numbers, compared by how many digits they hold before and after the point.
        (a, b) if exact_digits(a, false).is_some() && exact_digits(b, true).is_some() => {
            let (Some(from), Some(to)) = (exact_digits(a, false), exact_digits(b, true)) else {
                unreachable!("checked by the guard")
            };
            // `numeric(p, s)` to an unconstrained `numeric`, or to as many digits or more before
            // the point with the same scale, keeps the bytes (PostgreSQL skips the rewrite).
            let same_bytes = matches!((a, b), (Numeric { .. }, Numeric { .. }))
                && (matches!(
                    b,
                    Numeric {
                        precision: None,
                        ..
                    }
                ) || (from.fraction == to.fraction && to.holds(&from)));
            change(!same_bytes, !to.holds(&from))
        }
        // Floating point: `real` has 24 bits of mantissa, `double precision` 53.
        (a, b) if float_bits(a).is_some() && float_bits(b).is_some() => {
            change(true, float_bits(b) < float_bits(a))
        }
        (a, b) if exact_digits(a, false).is_some() && float_bits(b).is_some() => {
            let (Some(from), Some(bits)) = (exact_digits(a, false), float_bits(b)) else {
                unreachable!("checked by the guard")
            };
            // Integers convert exactly while they fit the mantissa, decimals while they have no
            // more significant digits than the type guarantees to give back.
            let digits = match (from.integer, from.fraction) {
                (Some(integer), Some(0)) => Some((integer, bits_digits(bits))),
                (Some(integer), Some(fraction)) => {
                    Some((integer + fraction, bits_digits(bits - 1)))
                }
                _ => None,
            };
            change(true, digits.is_none_or(|(have, kept)| have > kept))
        }
        // Floats to exact numbers round (and refuse NaN and infinities where they cannot go).
        (a, b) if float_bits(a).is_some() && exact_digits(b, true).is_some() => change(true, true),
        // Text types.
        (Varchar(_) | Text, Text | Varchar(None)) => change(false, false),
        (Varchar(Some(a)), Varchar(Some(b))) => change(b < a, b < a),
        (Char(_), Text | Varchar(None)) => change(true, false),
        (Char(a), Varchar(Some(b))) => change(true, b < a),
        (Char(a), Char(b)) => change(true, b < a),
        (Varchar(Some(a)), Char(b)) => change(true, b < a),
        (Text | Varchar(None), Varchar(Some(_)) | Char(_)) => change(true, true),
        // Numbers to text keep every value, while the text is long enough.
        (a, Text | Varchar(None))
            if exact_digits(a, false).is_some() || float_bits(a).is_some() =>
        {
            change(true, false)
        }
        // Dates and times.
        (Timestamp, TimestampTz) | (TimestampTz, Timestamp) => change(true, false),
        // `date` reaches 5874897 AD, timestamps 294276 AD.
        (Date, Timestamp | TimestampTz) => change(true, true),
        (Timestamp | TimestampTz, Date) => change(true, true),
        (Json, Jsonb) => TypeChange {
            using: cast("jsonb".into()),
            rewrites: true,
            narrowing: false,
        },
        (Enum(_), Text | Varchar(None)) => TypeChange {
            using: cast("text".into()),
            rewrites: true,
            narrowing: false,
        },
        (Text | Varchar(_) | Enum(_), Enum(_)) => TypeChange {
            using: Some(format!("{column}::text::{}", new.sql_type.ddl())),
            rewrites: true,
            narrowing: true,
        },
        // Anything else: an explicit cast, which fails on values that do not convert.
        _ => TypeChange {
            using: cast(new.sql_type.ddl()),
            rewrites: true,
            narrowing: true,
        },
    }
}

/// The digits an exact number type holds: before the point (`None`: unlimited) and after it
/// (`None`: any scale, as an unconstrained `numeric`).
#[derive(Clone, Copy)]
struct Digits {
    integer: Option<u32>,
    fraction: Option<u32>,
}

impl Digits {
    /// Whether every value of `from` is a value of `self`.
    fn holds(&self, from: &Digits) -> bool {
        let integer = match (self.integer, from.integer) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(to), Some(from)) => to >= from,
        };
        let fraction = match (self.fraction, from.fraction) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(to), Some(from)) => to >= from,
        };
        integer && fraction
    }
}

/// The digits of an integer or `numeric` type; `None` for any other type. An integer type's
/// range is not all of its digits (`smallint` stops at 32767): as the type changed from, it
/// counts the digits its largest value needs (5), which the new type must hold; as the type
/// changed to, the digits it always holds (4).
fn exact_digits(t: &SqlType, as_target: bool) -> Option<Digits> {
    let integer = |needs: u32| {
        Some(Digits {
            integer: Some(if as_target { needs - 1 } else { needs }),
            fraction: Some(0),
        })
    };
    match t {
        SqlType::SmallInt => integer(5),
        SqlType::Integer => integer(10),
        SqlType::BigInt => integer(19),
        SqlType::Numeric {
            precision: Some(p),
            scale,
        } => {
            let scale = u32::from(scale.unwrap_or(0));
            Some(Digits {
                integer: Some(u32::from(*p).saturating_sub(scale)),
                fraction: Some(scale),
            })
        }
        SqlType::Numeric {
            precision: None, ..
        } => Some(Digits {
            integer: None,
            fraction: None,
        }),
        _ => None,
    }
}

/// The mantissa bits of a floating-point type.
fn float_bits(t: &SqlType) -> Option<u32> {
    match t {
        SqlType::Real => Some(24),
        SqlType::DoublePrecision => Some(53),
        _ => None,
    }
}

/// The decimal digits that `bits` of mantissa always keep: every integer of that many digits fits
/// (`2^24` has 8 digits, but not every 8-digit integer fits: 7 do); with one bit less, every
/// decimal of that many significant digits comes back unchanged (`FLT_DIG`, `DBL_DIG`).
fn bits_digits(bits: u32) -> u32 {
    ((bits as f64) * std::f64::consts::LOG10_2).floor() as u32
}
