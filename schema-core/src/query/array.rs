//! One array parameter made of separately typed values: how a multi-row insert sends a column
//! of every row as one `unnest` argument.

use std::error::Error as StdError;

use bytes::{BufMut, BytesMut};
use postgres_types::{to_sql_checked, IsNull, Kind, ToSql, Type};

use super::expr::Param;

/// The values of one column, sent as a one-dimensional array whose elements each encode
/// themselves (with the element type the server gives).
pub(crate) struct ParamArray(pub(crate) Vec<Param>);

impl std::fmt::Debug for ParamArray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl ToSql for ParamArray {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let Kind::Array(member) = ty.kind() else {
            return Err(format!("a column of values is sent as an array, not as `{ty}`").into());
        };
        let len = i32::try_from(self.0.len()).map_err(|_| "too many rows for one array")?;
        // Header: dimensions, has-nulls (patched below), element type, then length and lower
        // bound of the one dimension.
        out.put_i32(1);
        let has_nulls_at = out.len();
        out.put_i32(0);
        out.put_u32(member.oid());
        out.put_i32(len);
        out.put_i32(1);
        let mut has_nulls = false;
        for value in &self.0 {
            let len_at = out.len();
            out.put_i32(0);
            let size = match value.to_sql_checked(member, out)? {
                IsNull::Yes => {
                    has_nulls = true;
                    -1
                }
                IsNull::No => i32::try_from(out.len() - len_at - 4)
                    .map_err(|_| "a value too large for an array element")?,
            };
            out[len_at..len_at + 4].copy_from_slice(&size.to_be_bytes());
        }
        if has_nulls {
            out[has_nulls_at..has_nulls_at + 4].copy_from_slice(&1_i32.to_be_bytes());
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(ty.kind(), Kind::Array(_))
    }

    to_sql_checked!();
}
