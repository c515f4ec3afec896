//! sqlx, measured beside raw tokio-postgres in the same run (feature `peers`): the same
//! statements on a sqlx connection (sqlx prepares and caches them itself), rows decoded by hand
//! as the raw side decodes them, results checked equal to raw's before anything is timed.

use example_app::schema::{Project, User, UserRole};
use schema_core::uuid::Uuid;

use crate::queries::{PROJECT_COLUMNS, USER_COLUMNS};
use sqlx::postgres::{PgRow, PgTypeInfo, PgValueRef, Postgres};
use sqlx::{Connection, PgConnection, Row as _};

type BoxError = Box<dyn std::error::Error>;

/// `user_role`, as sqlx reads it.
struct Role(UserRole);

impl sqlx::Type<Postgres> for Role {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("user_role")
    }
}

impl<'r> sqlx::Decode<'r, Postgres> for Role {
    fn decode(value: PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        match <&str as sqlx::Decode<'r, Postgres>>::decode(value)? {
            "user" => Ok(Role(UserRole::User)),
            "admin" => Ok(Role(UserRole::Admin)),
            other => Err(format!("no user_role label {other:?}").into()),
        }
    }
}

pub struct Peer {
    conn: PgConnection,
    select_user: String,
    select_projects: String,
    insert_user: String,
}

fn user(row: &PgRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        name: row.try_get(2)?,
        password_hash: row.try_get(3)?,
        role: row.try_get::<Option<Role>, _>(4)?.map(|r| r.0),
        email_verified: row.try_get(5)?,
        created_at: row.try_get(6)?,
        updated_at: row.try_get(7)?,
    })
}

fn project(row: &PgRow) -> Result<Project, sqlx::Error> {
    Ok(Project {
        id: row.try_get(0)?,
        owner_id: row.try_get(1)?,
        name: row.try_get(2)?,
        description: row.try_get(3)?,
        status: row.try_get(4)?,
        created_at: row.try_get(5)?,
        updated_at: row.try_get(6)?,
    })
}

impl Peer {
    pub async fn connect(url: &str) -> Result<Peer, BoxError> {
        Ok(Peer {
            conn: PgConnection::connect(url).await?,
            select_user: format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
            select_projects: format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE status = $1 ORDER BY created_at DESC LIMIT $2"
            ),
            insert_user: format!(
                "INSERT INTO users (email, name) VALUES ($1, $2) RETURNING {USER_COLUMNS}"
            ),
        })
    }

    pub async fn user_by_id(&mut self, id: Uuid) -> Result<User, BoxError> {
        let row = sqlx::query(&self.select_user)
            .bind(id)
            .fetch_one(&mut self.conn)
            .await?;
        Ok(user(&row)?)
    }

    pub async fn projects_of_status(&mut self, status: &str) -> Result<Vec<Project>, BoxError> {
        let rows = sqlx::query(&self.select_projects)
            .bind(status)
            .bind(100_i64)
            .fetch_all(&mut self.conn)
            .await?;
        Ok(rows.iter().map(project).collect::<Result<_, _>>()?)
    }

    pub async fn insert_user(&mut self, email: &str, name: &str) -> Result<User, BoxError> {
        let row = sqlx::query(&self.insert_user)
            .bind(email)
            .bind(name)
            .fetch_one(&mut self.conn)
            .await?;
        Ok(user(&row)?)
    }

    pub async fn rename_project(&mut self, id: Uuid, name: &str) -> Result<u64, BoxError> {
        let done = sqlx::query("UPDATE projects SET name = $1, updated_at = now() WHERE id = $2")
            .bind(name)
            .bind(id)
            .execute(&mut self.conn)
            .await?;
        Ok(done.rows_affected())
    }
}
