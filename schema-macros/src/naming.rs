//! The names of generated constraints and indexes: PostgreSQL's own conventions, so that a
//! database created by hand with the same DDL has the same names.

/// `users_pkey`
pub fn primary_key(table: &str) -> String {
    format!("{table}_pkey")
}

/// `users_email_key`
pub fn unique(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_key", columns.join("_"))
}

/// `projects_owner_id_fkey`
pub fn foreign_key(table: &str, columns: &[String]) -> String {
    format!("{table}_{}_fkey", columns.join("_"))
}

/// `messages_context_id_version_idx`; an expression key counts as `expr`.
pub fn index(table: &str, keys: &[String]) -> String {
    format!("{table}_{}_idx", keys.join("_"))
}

/// `ai_usage_log_tokens_used_check`
pub fn column_check(table: &str, column: &str) -> String {
    format!("{table}_{column}_check")
}

/// The SQL name of a field: the field's name without a raw-identifier prefix.
pub fn column(field: &str) -> String {
    field.trim_start_matches("r#").to_string()
}

/// The default SQL name of a table: the struct's name in snake_case (`AiUsageLog` → `ai_usage_log`).
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An enum variant's label under a `rename_all` rule.
pub fn rename(variant: &str, rule: &str) -> String {
    match rule {
        "lowercase" => variant.to_lowercase(),
        "UPPERCASE" => variant.to_uppercase(),
        "SCREAMING_SNAKE_CASE" => snake_case(variant).to_uppercase(),
        "kebab-case" => snake_case(variant).replace('_', "-"),
        "verbatim" => variant.to_string(),
        _ => snake_case(variant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        assert_eq!(snake_case("AiUsageLog"), "ai_usage_log");
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(snake_case("InProgress"), "in_progress");
        assert_eq!(rename("InProgress", "kebab-case"), "in-progress");
    }
}
