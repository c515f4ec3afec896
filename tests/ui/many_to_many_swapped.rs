use schema_core::prelude::*;

// `through` and `to` swapped: `through` must reference this table, `to` the target.
#[table(
    name = "tasks",
    many_to_many(tags, through = task_tags::tag_id, to = task_tags::task_id, target = tags::id)
)]
pub struct Task {
    #[column(primary_key)]
    pub id: i64,
}

#[table(name = "tags")]
pub struct Tag {
    #[column(primary_key)]
    pub id: i64,
}

#[table(name = "task_tags", primary_key(task_id, tag_id))]
pub struct TaskTag {
    #[column(references = tasks::id)]
    pub task_id: i64,
    #[column(references = tags::id)]
    pub tag_id: i64,
}

fn main() {}
