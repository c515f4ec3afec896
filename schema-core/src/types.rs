//! Column types that the field's usual crates do not provide: [`Interval`], and [`Json`] for
//! any serde type in a `jsonb` column.

use std::error::Error as StdError;

use bytes::{BufMut, BytesMut};
use postgres_types::{accepts, to_sql_checked, FromSql, IsNull, ToSql, Type};

/// A `jsonb` column holding any serde type: `Json<Settings>` is written with `serde_json` and
/// read back into `Settings`, with no trait to implement. (`Json(value)` wraps, `.0` unwraps.)
pub use postgres_types::Json;

/// PostgreSQL's `interval`: months, days and microseconds, kept apart as the server keeps them
/// (a month is not a fixed number of days, nor a day a fixed number of seconds across a
/// daylight-saving change).
///
/// ```
/// use schema_core::types::Interval;
/// let a_month_and_a_day = Interval::months(1) + Interval::days(1);
/// assert_eq!(a_month_and_a_day, Interval { months: 1, days: 1, microseconds: 0 });
/// assert_eq!(Interval::from(chrono::TimeDelta::seconds(90)).microseconds, 90_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub microseconds: i64,
}

impl Interval {
    pub const fn months(months: i32) -> Self {
        Interval {
            months,
            days: 0,
            microseconds: 0,
        }
    }

    pub const fn days(days: i32) -> Self {
        Interval {
            months: 0,
            days,
            microseconds: 0,
        }
    }

    pub const fn microseconds(microseconds: i64) -> Self {
        Interval {
            months: 0,
            days: 0,
            microseconds,
        }
    }
}

impl std::ops::Add for Interval {
    type Output = Interval;

    /// Field by field, as PostgreSQL adds intervals (saturating where the server would refuse).
    fn add(self, other: Interval) -> Interval {
        Interval {
            months: self.months.saturating_add(other.months),
            days: self.days.saturating_add(other.days),
            microseconds: self.microseconds.saturating_add(other.microseconds),
        }
    }
}

impl From<chrono::TimeDelta> for Interval {
    /// A fixed length of time, as microseconds (saturating past ±292,000 years).
    fn from(delta: chrono::TimeDelta) -> Self {
        Interval::microseconds(delta.num_microseconds().unwrap_or(
            if delta < chrono::TimeDelta::zero() {
                i64::MIN
            } else {
                i64::MAX
            },
        ))
    }
}

impl<'a> FromSql<'a> for Interval {
    /// `interval_send`: microseconds (i64), days (i32), months (i32).
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        let raw: &[u8; 16] = raw
            .try_into()
            .map_err(|_| format!("an interval is 16 bytes, not {}", raw.len()))?;
        let (micros, rest) = raw.split_at(8);
        let (days, months) = rest.split_at(4);
        Ok(Interval {
            microseconds: i64::from_be_bytes(micros.try_into()?),
            days: i32::from_be_bytes(days.try_into()?),
            months: i32::from_be_bytes(months.try_into()?),
        })
    }

    accepts!(INTERVAL);
}

impl ToSql for Interval {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        out.put_i64(self.microseconds);
        out.put_i32(self.days);
        out.put_i32(self.months);
        Ok(IsNull::No)
    }

    accepts!(INTERVAL);
    to_sql_checked!();
}

/// PostgreSQL's `tsvector`: the lexemes of a document, each with its positions and weights, as
/// `to_tsvector` makes them (a generated column, usually, with a GIN index; query it with
/// [`Column::matches`](crate::query::Column::matches)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TsVector {
    /// In the server's order (sorted, distinct).
    pub lexemes: Vec<Lexeme>,
}

/// One word of a [`TsVector`], with where it stands (1-based, up to 16,383) and its weight.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Lexeme {
    pub word: String,
    pub positions: Vec<(u16, Weight)>,
}

/// A lexeme position's weight (`A` highest, `D` the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weight {
    A,
    B,
    C,
    D,
}

impl TsVector {
    /// The words, without positions.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.lexemes.iter().map(|l| l.word.as_str())
    }
}

impl std::fmt::Display for TsVector {
    /// The text form PostgreSQL prints: `'cat':1A 'dog':3`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, lexeme) in self.lexemes.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(
                f,
                "'{}'",
                lexeme.word.replace('\\', "\\\\").replace('\'', "''")
            )?;
            for (j, (position, weight)) in lexeme.positions.iter().enumerate() {
                f.write_str(if j == 0 { ":" } else { "," })?;
                write!(f, "{position}")?;
                match weight {
                    Weight::D => {}
                    w => write!(f, "{w:?}")?,
                }
            }
        }
        Ok(())
    }
}

impl<'a> FromSql<'a> for TsVector {
    /// `tsvectorsend`: the lexeme count (i32), then each lexeme as a NUL-terminated string, its
    /// position count (i16) and positions (i16: weight in the two high bits, position below).
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        fn take<'b>(raw: &mut &'b [u8], n: usize) -> Result<&'b [u8], String> {
            if raw.len() < n {
                return Err("a tsvector ended early".into());
            }
            let (head, rest) = raw.split_at(n);
            *raw = rest;
            Ok(head)
        }
        let mut raw = raw;
        let count = i32::from_be_bytes(take(&mut raw, 4)?.try_into()?);
        let mut lexemes = Vec::with_capacity(count.clamp(0, 1 << 16) as usize);
        for _ in 0..count {
            let end = raw
                .iter()
                .position(|&b| b == 0)
                .ok_or("a tsvector lexeme has no end")?;
            let word = std::str::from_utf8(&raw[..end])?.to_string();
            raw = &raw[end + 1..];
            let positions = u16::from_be_bytes(take(&mut raw, 2)?.try_into()?);
            let mut list = Vec::with_capacity(positions as usize);
            for _ in 0..positions {
                let entry = u16::from_be_bytes(take(&mut raw, 2)?.try_into()?);
                let weight = match entry >> 14 {
                    3 => Weight::A,
                    2 => Weight::B,
                    1 => Weight::C,
                    _ => Weight::D,
                };
                list.push((entry & 0x3fff, weight));
            }
            lexemes.push(Lexeme {
                word,
                positions: list,
            });
        }
        if !raw.is_empty() {
            return Err("a tsvector has bytes after its last lexeme".into());
        }
        Ok(TsVector { lexemes })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TS_VECTOR
    }
}

impl ToSql for TsVector {
    /// `tsvectorrecv`'s format; the server sorts and merges the lexemes.
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        out.put_i32(i32::try_from(self.lexemes.len())?);
        for lexeme in &self.lexemes {
            if lexeme.word.is_empty() || lexeme.word.contains('\0') {
                return Err("a tsvector lexeme is a non-empty word without NUL bytes".into());
            }
            out.put_slice(lexeme.word.as_bytes());
            out.put_u8(0);
            out.put_u16(u16::try_from(lexeme.positions.len())?);
            for (position, weight) in &lexeme.positions {
                if *position == 0 || *position > 0x3fff {
                    return Err(format!("a tsvector position is 1 to 16383, not {position}").into());
                }
                let bits: u16 = match weight {
                    Weight::A => 3,
                    Weight::B => 2,
                    Weight::C => 1,
                    Weight::D => 0,
                };
                out.put_u16(bits << 14 | position);
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::TS_VECTOR
    }

    to_sql_checked!();
}
