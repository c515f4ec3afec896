use schema_core::prelude::*;

#[table(name = "jobs")]
pub struct Job {
    #[column(primary_key)]
    pub id: i64,
    pub done: bool,
}

async fn next_job(db: &Db) -> Result<Option<Job>, Error> {
    // The lock would end with this statement: nothing stops two workers taking the same job.
    Job::select()
        .filter(jobs::done.eq(false))
        .for_update_skip_locked()
        .first(db)
        .await
}

fn main() {
    let _ = next_job;
}
