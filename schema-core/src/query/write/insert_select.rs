//! `INSERT INTO t (columns) SELECT …`: the rows of a query, typed: the query's selected values
//! must fit the named columns, in order (each of the column's type, or the type inside the
//! column's `Option`), or it does not compile.

use super::Writable;
use crate::exec::ReadsAs;
use crate::query::Column;

/// Columns of `T` that rows of type `O` (a query's output: one value, or a tuple) fill, in
/// order. Implemented for a column and tuples of up to 16 columns of `T` that can be set.
#[diagnostic::on_unimplemented(
    message = "the query's rows `{O}` do not fit these columns of `{T}`",
    label = "one column of `{T}` for each selected value, of the value's type",
    note = "name the columns in the order the query selects its values; a value that can be NULL needs a nullable column"
)]
pub trait InsertColumns<T, O> {
    /// The columns' indexes in the table.
    #[doc(hidden)]
    fn indexes(&self) -> Vec<usize>;
}

#[diagnostic::do_not_recommend]
impl<T, V, N: Writable, O: ReadsAs<V>> InsertColumns<T, O> for Column<T, V, N> {
    fn indexes(&self) -> Vec<usize> {
        vec![self.index()]
    }
}

macro_rules! insert_columns {
    ($(($v:ident, $n:ident, $o:ident)),+) => {
        #[diagnostic::do_not_recommend]
        impl<T, $($v, $n: Writable, $o: ReadsAs<$v>),+> InsertColumns<T, ($($o,)+)> for ($(Column<T, $v, $n>,)+) {
            #[allow(non_snake_case)]
            fn indexes(&self) -> Vec<usize> {
                let ($($v,)+) = self;
                vec![$($v.index()),+]
            }
        }
    };
}

insert_columns!((A, NA, OA));
insert_columns!((A, NA, OA), (B, NB, OB));
insert_columns!((A, NA, OA), (B, NB, OB), (C, NC, OC));
insert_columns!((A, NA, OA), (B, NB, OB), (C, NC, OC), (D, ND, OD));
insert_columns!(
    (A, NA, OA),
    (B, NB, OB),
    (C, NC, OC),
    (D, ND, OD),
    (E, NE, OE)
);
insert_columns!(
    (A, NA, OA),
    (B, NB, OB),
    (C, NC, OC),
    (D, ND, OD),
    (E, NE, OE),
    (F, NF, OF)
);
insert_columns!(
    (A, NA, OA),
    (B, NB, OB),
    (C, NC, OC),
    (D, ND, OD),
    (E, NE, OE),
    (F, NF, OF),
    (G, NG, OG)
);
insert_columns!(
    (A, NA, OA),
    (B, NB, OB),
    (C, NC, OC),
    (D, ND, OD),
    (E, NE, OE),
    (F, NF, OF),
    (G, NG, OG),
    (H, NH, OH)
);
