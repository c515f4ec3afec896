//! The demo: seeds the example app's database idempotently and runs the queries its screens
//! need, printing what it finds. `cargo run --bin demo` (see `src/bin/demo.rs`).

use std::fmt::Write as _;

use schema_core::exec::{Db, Error};
use schema_core::prelude::*;
use schema_core::query::excluded;

use crate::schema::*;

/// Seeds (again, harmlessly) and queries; returns the report.
pub async fn run(db: &mut Db) -> Result<String, Error> {
    let mut out = String::new();
    let (admin, user) = seed(db).await?;
    let w = |out: &mut String, line: String| {
        let _ = writeln!(out, "{line}");
    };

    w(&mut out, "Users and their projects:".into());
    let users = User::select()
        .order_by(users::email)
        .with(users::projects.order_by(projects::name))
        .all(&*db)
        .await?;
    for (u, projects) in &users {
        let role = u.role.map(|r| r.sql_label()).unwrap_or("none");
        let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();
        w(
            &mut out,
            format!(
                "  {} <{}> ({role}): {}",
                u.name,
                u.email,
                if names.is_empty() {
                    "no projects".into()
                } else {
                    names.join(", ")
                }
            ),
        );
    }

    w(&mut out, "Projects with their owners:".into());
    for (project, owner) in Project::select()
        .order_by(projects::name)
        .with(projects::owner)
        .all(&*db)
        .await?
    {
        let owner = owner.map(|o| o.name).unwrap_or_else(|| "nobody".into());
        w(
            &mut out,
            format!(
                "  {} [{}] owned by {owner}",
                project.name,
                project.status.as_deref().unwrap_or("-")
            ),
        );
    }

    w(&mut out, "AI usage per model:".into());
    let totals = AiUsageLog::select()
        .columns((
            ai_usage_log::model,
            count_star(),
            Expr::<AiUsageLog, Option<i64>>::raw(
                "sum(\"tokens_used\"::bigint)::bigint",
                Vec::<String>::new(),
            ),
        ))
        .group_by(ai_usage_log::model)
        .order_by(ai_usage_log::model)
        .all(&*db)
        .await?;
    for (model, calls, tokens) in totals {
        w(
            &mut out,
            format!("  {model}: {calls} calls, {} tokens", tokens.unwrap_or(0)),
        );
    }

    let chat = Context::select()
        .filter(contexts::name.eq("Demo chat"))
        .one(&*db)
        .await?;
    w(
        &mut out,
        format!(
            "Latest messages of \"{}\":",
            chat.name.as_deref().unwrap_or("")
        ),
    );
    let (_, messages) = Context::select()
        .filter(contexts::id.eq(chat.id))
        .with(
            contexts::messages
                .order_by(messages::version.desc())
                .limit(3),
        )
        .one(&*db)
        .await?;
    for message in messages {
        w(
            &mut out,
            format!(
                "  #{} {}: {}",
                message.version, message.role, message.content
            ),
        );
    }
    w(&mut out, "Forks of the chat:".into());
    for fork in chat
        .forks()
        .order_by(contexts::fork_version)
        .all(&*db)
        .await?
    {
        w(
            &mut out,
            format!(
                "  \"{}\" forked at version {}",
                fork.name.as_deref().unwrap_or(""),
                fork.fork_version.unwrap_or(0)
            ),
        );
    }
    w(
        &mut out,
        format!("Seeded as {} and {}.", admin.email, user.email),
    );
    Ok(out)
}

/// Idempotent seed: upserts and select-or-insert, so that running it twice changes nothing.
async fn seed(db: &mut Db) -> Result<(User, User), Error> {
    let admin = User::insert(
        NewUser::new()
            .email("admin@example.com")
            .name("Ada Admin")
            .role(UserRole::Admin),
    )
    .on_conflict(users::email)
    .do_update(users::name, excluded(users::name))
    .returning()
    .one(&*db)
    .await?;
    let user = User::insert(NewUser::new().email("user@example.com").name("Una User"))
        .on_conflict(users::email)
        .do_update(users::name, excluded(users::name))
        .returning()
        .one(&*db)
        .await?;
    db.transaction(async |tx| {
        for (owner, name, description) in [
            (&admin, "Analytics engine", "Columnar queries"),
            (&user, "Side project", "Weekend hacking"),
        ] {
            let exists = Project::select()
                .filter(projects::owner_id.eq(owner.id).and(projects::name.eq(name)))
                .exists(tx)
                .await?;
            if !exists {
                Project::insert(
                    NewProject::new()
                        .owner_id(owner.id)
                        .name(name)
                        .description(Some(description.to_string())),
                )
                .execute(tx)
                .await?;
            }
        }
        if !AiUsageLog::select().exists(tx).await? {
            AiUsageLog::insert_many([
                NewAiUsageLog::new()
                    .user_id(admin.id)
                    .model("gpt-4o")
                    .tokens_used("1200")
                    .endpoint(Some("/chat".to_string())),
                NewAiUsageLog::new()
                    .user_id(admin.id)
                    .model("gpt-4o")
                    .tokens_used("800"),
                NewAiUsageLog::new()
                    .user_id(user.id)
                    .model("claude-sonnet")
                    .tokens_used("950"),
            ])
            .execute(tx)
            .await?;
        }
        let chat = match Context::select()
            .filter(contexts::name.eq("Demo chat"))
            .optional(tx)
            .await?
        {
            Some(chat) => chat,
            None => {
                Context::insert(NewContext::new().name(Some("Demo chat".to_string())))
                    .returning()
                    .one(tx)
                    .await?
            }
        };
        for (version, role, content) in [
            (1_i64, "user", "How do I add an index?"),
            (
                2,
                "assistant",
                "Declare it in #[table(index(...))] and run gen-migrations.",
            ),
            (3, "user", "And concurrently?"),
            (
                4,
                "assistant",
                "New indexes on existing tables are built CONCURRENTLY.",
            ),
        ] {
            Message::insert(
                NewMessage::new()
                    .context_id(chat.id)
                    .version(version)
                    .role(role)
                    .content(content)
                    .token_count(Some(12)),
            )
            .on_conflict_constraint("messages_context_version_unique")
            .do_nothing()
            .execute(tx)
            .await?;
        }
        if !Context::select()
            .filter(contexts::parent_id.eq(chat.id))
            .exists(tx)
            .await?
        {
            Context::insert(
                NewContext::new()
                    .name(Some("Demo chat (fork)".to_string()))
                    .parent_id(Some(chat.id))
                    .fork_version(Some(2)),
            )
            .execute(tx)
            .await?;
        }
        Context::update()
            .set(contexts::message_count, 4)
            .set(contexts::latest_version, 4_i64)
            .filter(contexts::id.eq(chat.id))
            .execute(tx)
            .await?;
        Ok::<_, Error>(())
    })
    .await?;
    Ok((admin, user))
}
