use schema_core::prelude::*;

#[table(name = "customer_subscription_invoice_line_items_with_discounts")]
pub struct LineItem {
    #[column(primary_key)]
    pub id: Uuid,
    #[column(name = "a_column_name_that_goes_on_and_on_well_past_what_postgres_keeps_x")]
    pub note: String,
    #[column(index)]
    pub discount_reference_code: String,
}

fn main() {}
