//! PostgreSQL's binary format for records (`ROW(…)`) and arrays of them, decoded into typed
//! values with each field's own `FromSql`.

use postgres_types::{FromSql, Kind, Type};

use crate::error::Error;

/// The raw bytes of any value, whatever its type.
pub(crate) struct RawValue<'a>(pub &'a [u8]);

impl<'a> FromSql<'a> for RawValue<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawValue(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A type the client does not know by oid (an enum): its values decode by their bytes.
fn unknown_type(oid: u32) -> Type {
    Type::new(format!("oid {oid}"), oid, Kind::Simple, String::new())
}

fn malformed(what: &str) -> Error {
    Error::Relation(format!("malformed {what} in a loaded relation"))
}

fn read_i32(buf: &mut &[u8]) -> Result<i32, Error> {
    if buf.len() < 4 {
        return Err(malformed("value"));
    }
    let (head, rest) = buf.split_at(4);
    *buf = rest;
    Ok(i32::from_be_bytes([head[0], head[1], head[2], head[3]]))
}

fn read_value<'a>(buf: &mut &'a [u8]) -> Result<Option<&'a [u8]>, Error> {
    let len = read_i32(buf)?;
    if len < 0 {
        return Ok(None);
    }
    let len = len as usize;
    if buf.len() < len {
        return Err(malformed("value"));
    }
    let (value, rest) = buf.split_at(len);
    *buf = rest;
    Ok(Some(value))
}

/// One record: each field's type oid and raw value.
#[derive(Debug)]
pub struct Record<'a> {
    fields: Vec<(u32, Option<&'a [u8]>)>,
}

impl<'a> Record<'a> {
    /// Parses `record_send`'s output: a field count, then per field its type oid and value.
    pub fn parse(mut buf: &'a [u8]) -> Result<Record<'a>, Error> {
        let count = read_i32(&mut buf)?;
        let mut fields = Vec::with_capacity(count.max(0) as usize);
        for _ in 0..count {
            let oid = read_i32(&mut buf)? as u32;
            fields.push((oid, read_value(&mut buf)?));
        }
        Ok(Record { fields })
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `index` as a `T`.
    pub fn get<T: FromSql<'a>>(&self, index: usize) -> Result<T, Error> {
        self.decode(index, false)
    }

    /// Field `index`, an array, as a `T`. A record names each field's type by oid only; an array
    /// of a type that is not built in (an enum) takes its element's oid from the array's header.
    pub fn get_array<T: FromSql<'a>>(&self, index: usize) -> Result<T, Error> {
        self.decode(index, true)
    }

    fn decode<T: FromSql<'a>>(&self, index: usize, array: bool) -> Result<T, Error> {
        let (oid, raw) = *self
            .fields
            .get(index)
            .ok_or_else(|| malformed("record (too few fields)"))?;
        let ty = Type::from_oid(oid).unwrap_or_else(|| {
            if !array {
                return unknown_type(oid);
            }
            // `array_send`'s header: dimensions, has-nulls, element oid.
            let element = raw
                .and_then(|raw| raw.get(8..12))
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                .unwrap_or(0);
            let member = Type::from_oid(element).unwrap_or_else(|| unknown_type(element));
            Type::new(
                format!("oid {oid}"),
                oid,
                Kind::Array(member),
                String::new(),
            )
        });
        T::from_sql_nullable(&ty, raw)
            .map_err(|e| Error::Relation(format!("field {index} of a loaded relation: {e}")))
    }

    /// Field `index`'s raw value.
    pub fn raw(&self, index: usize) -> Result<Option<&'a [u8]>, Error> {
        self.fields
            .get(index)
            .map(|(_, raw)| *raw)
            .ok_or_else(|| malformed("record (too few fields)"))
    }
}

/// Parses `array_send`'s output into its elements' raw values.
fn parse_array(mut buf: &[u8]) -> Result<Vec<Option<&[u8]>>, Error> {
    let dims = read_i32(&mut buf)?;
    let _has_nulls = read_i32(&mut buf)?;
    let _element_oid = read_i32(&mut buf)?;
    if dims == 0 {
        return Ok(Vec::new());
    }
    if dims != 1 {
        return Err(malformed("array (not one-dimensional)"));
    }
    let len = read_i32(&mut buf)?;
    let _lower_bound = read_i32(&mut buf)?;
    (0..len).map(|_| read_value(&mut buf)).collect()
}

/// A table's row read from a record (`#[table]` implements it, fields in column order).
pub trait FromRecord: Sized {
    /// How many fields the row takes.
    const WIDTH: usize;
    fn from_record(record: &Record<'_>, start: usize) -> Result<Self, Error>;
}

/// What one record of a relation decodes into: a row, or a row with its own loaded relations.
pub trait RecordValue: Sized {
    fn from_record(record: &Record<'_>) -> Result<Self, Error>;
}

impl<C: FromRecord> RecordValue for C {
    fn from_record(record: &Record<'_>) -> Result<Self, Error> {
        C::from_record(record, 0)
    }
}

/// A row with its loaded relations, each the next field of the record.
macro_rules! record_value {
    ($($name:ident),+) => {
        impl<C: FromRecord, $($name: RelationValue),+> RecordValue for (C, $($name),+) {
            #[allow(unused_assignments)]
            fn from_record(record: &Record<'_>) -> Result<Self, Error> {
                let mut at = C::WIDTH;
                let row = C::from_record(record, 0)?;
                Ok((row, $({
                    let value = $name::decode(record.raw(at)?)?;
                    at += 1;
                    value
                }),+))
            }
        }
    };
}

record_value!(A);
record_value!(A, B);
record_value!(A, B, D);
record_value!(A, B, D, E);
record_value!(A, B, D, E, F);
record_value!(A, B, D, E, F, G);
record_value!(A, B, D, E, F, G, H);
record_value!(A, B, D, E, F, G, H, J);

/// What a loaded relation decodes into: `Vec<_>` from an array of records, `Option<_>` from a
/// record or NULL.
pub trait RelationValue: Sized {
    fn decode(raw: Option<&[u8]>) -> Result<Self, Error>;
}

impl<E: RecordValue> RelationValue for Vec<E> {
    fn decode(raw: Option<&[u8]>) -> Result<Self, Error> {
        let Some(raw) = raw else {
            return Ok(Vec::new());
        };
        parse_array(raw)?
            .into_iter()
            .map(|element| {
                let element = element.ok_or_else(|| malformed("array (a NULL row)"))?;
                E::from_record(&Record::parse(element)?)
            })
            .collect()
    }
}

impl<E: RecordValue> RelationValue for Option<E> {
    fn decode(raw: Option<&[u8]>) -> Result<Self, Error> {
        raw.map(|raw| E::from_record(&Record::parse(raw)?))
            .transpose()
    }
}
