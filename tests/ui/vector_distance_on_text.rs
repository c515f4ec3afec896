use example_app::schema::*;
use schema_core::pgvector::Vector;
use schema_core::prelude::*;

fn main() {
    let _ = Message::select()
        .order_by(messages::content.cosine_distance(Vector::from(vec![1.0_f32])));
}
