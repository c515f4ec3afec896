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
