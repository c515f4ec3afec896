//! Functions and triggers written by hand: `CREATE FUNCTION` with an SQL or PL/pgSQL body, and
//! `CREATE TRIGGER` on a table (declared with `#[table(trigger(…))]`).

use serde::{Deserialize, Serialize};

use super::model::{List, QualifiedName, Str};

/// `VOLATILE` (the default), `STABLE` or `IMMUTABLE`: what the planner may assume of a function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    #[default]
    Volatile,
    Stable,
    Immutable,
}

impl Volatility {
    pub fn sql(self) -> &'static str {
        match self {
            Volatility::Volatile => "VOLATILE",
            Volatility::Stable => "STABLE",
            Volatility::Immutable => "IMMUTABLE",
        }
    }
}

fn is_volatile(v: &Volatility) -> bool {
    *v == Volatility::Volatile
}

fn is_empty(s: &Str) -> bool {
    s.is_empty()
}

/// A function written by hand (`CREATE FUNCTION`), added to a schema with
/// [`Schema::function`](super::Schema::function). Built as a constant:
///
/// ```
/// use schema_core::schema::FunctionDef;
/// pub const NORMALIZE_EMAIL: FunctionDef = FunctionDef::new("normalize_email")
///     .arguments("email text")
///     .returns("text")
///     .language("sql")
///     .immutable()
///     .body("SELECT lower(trim(email))");
/// ```
///
/// The body is kept exactly as written (the server stores it so); the arguments and the result
/// type are compared in the form the server prints them. A function is known by its name and
/// its arguments: another argument list is another function, which the diff makes after
/// dropping the old one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionDef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Str>,
    pub name: Str,
    /// The argument list as written inside the parentheses: `a integer, b text`.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub arguments: Str,
    /// The result type: `trigger`, `integer`, `SETOF users`, `TABLE (id bigint)`, `void`.
    pub returns: Str,
    /// `plpgsql` or `sql` (or any language the database has).
    pub language: Str,
    pub body: Str,
    #[serde(default, skip_serializing_if = "is_volatile")]
    pub volatility: Volatility,
    /// `STRICT`: called with a null argument, returns null without running.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// `SECURITY DEFINER`: runs with the privileges of its owner.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub security_definer: bool,
}

impl FunctionDef {
    /// A PL/pgSQL function of no arguments returning `void`, with an empty body: set what differs.
    pub const fn new(name: &'static str) -> Self {
        FunctionDef {
            schema: None,
            name: Str::Borrowed(name),
            arguments: Str::Borrowed(""),
            returns: Str::Borrowed("void"),
            language: Str::Borrowed("plpgsql"),
            body: Str::Borrowed(""),
            volatility: Volatility::Volatile,
            strict: false,
            security_definer: false,
        }
    }

    /// A trigger function (`RETURNS trigger`, PL/pgSQL) with this body.
    pub const fn trigger(name: &'static str, body: &'static str) -> Self {
        FunctionDef::new(name).returns("trigger").body(body)
    }

    /// In a Postgres schema other than `public`.
    pub const fn in_schema(mut self, schema: &'static str) -> Self {
        // (A const fn cannot drop the old value, a `None`: it is forgotten.)
        std::mem::forget(self.schema.replace(Str::Borrowed(schema)));
        self
    }

    pub const fn arguments(mut self, arguments: &'static str) -> Self {
        std::mem::forget(std::mem::replace(
            &mut self.arguments,
            Str::Borrowed(arguments),
        ));
        self
    }

    pub const fn returns(mut self, returns: &'static str) -> Self {
        std::mem::forget(std::mem::replace(&mut self.returns, Str::Borrowed(returns)));
        self
    }

    pub const fn language(mut self, language: &'static str) -> Self {
        std::mem::forget(std::mem::replace(
            &mut self.language,
            Str::Borrowed(language),
        ));
        self
    }

    pub const fn body(mut self, body: &'static str) -> Self {
        std::mem::forget(std::mem::replace(&mut self.body, Str::Borrowed(body)));
        self
    }

    pub const fn stable(mut self) -> Self {
        self.volatility = Volatility::Stable;
        self
    }

    pub const fn immutable(mut self) -> Self {
        self.volatility = Volatility::Immutable;
        self
    }

    pub const fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    pub const fn security_definer(mut self) -> Self {
        self.security_definer = true;
        self
    }

    pub fn qualified_name(&self) -> QualifiedName {
        QualifiedName::new(self.schema.clone(), self.name.clone())
    }

    /// Whether the server resolves the body's names when the function is made (`LANGUAGE sql`
    /// does, so it is made after the tables it reads; PL/pgSQL only parses its body).
    pub fn resolves_at_creation(&self) -> bool {
        self.language.eq_ignore_ascii_case("sql")
    }

    /// The functions in an order where each comes after those its body names (as a word), so
    /// that an SQL function calling another is made after it; a cycle keeps the order given.
    pub fn in_dependency_order<'a>(
        functions: impl IntoIterator<Item = &'a FunctionDef>,
    ) -> Vec<&'a FunctionDef> {
        let mut left: Vec<&FunctionDef> = functions.into_iter().collect();
        let mut placed = Vec::with_capacity(left.len());
        while !left.is_empty() {
            let ready = left.iter().position(|f| {
                !left
                    .iter()
                    .any(|other| other.name != f.name && f.calls(&other.name))
            });
            placed.push(left.remove(ready.unwrap_or(0)));
        }
        placed
    }

    /// Whether the body names `name` as a word (a call of another function, read as the diff
    /// reads view queries).
    pub fn calls(&self, name: &str) -> bool {
        self.body
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == name)
    }
}

/// When a trigger fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    Before,
    After,
    /// On a view only.
    InsteadOf,
}

impl TriggerTiming {
    pub fn sql(self) -> &'static str {
        match self {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    }
}

/// What a trigger fires on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

impl TriggerEvent {
    pub fn sql(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        }
    }
}

/// A trigger on a table (`CREATE TRIGGER`), calling a function that returns `trigger`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriggerDef {
    pub name: Str,
    pub timing: TriggerTiming,
    /// In the order `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`.
    pub events: List<TriggerEvent>,
    /// `UPDATE OF these columns`: fires only when one of them is named by the update.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub update_of: List<Str>,
    /// `FOR EACH ROW` (else `FOR EACH STATEMENT`).
    pub for_each_row: bool,
    /// `WHEN (condition)`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Str>,
    pub function: QualifiedName,
    /// The trigger's arguments (`TG_ARGV`), string constants.
    #[serde(default, skip_serializing_if = "<[_]>::is_empty")]
    pub arguments: List<Str>,
}
