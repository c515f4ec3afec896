//! The `gen-migrations` binary as CI runs it: `--json` output, `--help`, exit codes.

use std::process::Command;

fn gen_migrations(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_gen-migrations"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn json_output_and_exit_codes() {
    let dir = std::env::temp_dir().join(format!("gen-migrations-{}", std::process::id()));
    let dir_arg = dir.to_str().unwrap();
    let (code, stdout, _) = gen_migrations(&["--dir", dir_arg, "--json"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.trim(),
        r#"{"ok":true,"summary":"5 tables created, 44 columns in them, 1 enum change, 4 foreign keys, 6 index changes, 1 extension, 19 partition changes","written":["0000_init"]}"#
    );
    let (code, stdout, _) = gen_migrations(&["generate", "--dir", dir_arg, "--json"]);
    assert_eq!((code, stdout.trim()), (0, r#"{"ok":true,"written":[]}"#));
    let (code, stdout, _) = gen_migrations(&["check", "--dir", dir_arg, "--json"]);
    assert_eq!((code, stdout.trim()), (0, r#"{"ok":true,"problems":[]}"#));
    let (code, stdout, _) = gen_migrations(&["migrate", "--dir", dir_arg, "--json"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(r#""ok":false"#) && stdout.contains("needs a database"),
        "{stdout}"
    );
    let (code, _, stderr) = gen_migrations(&["frobnicate"]);
    assert_eq!(code, 2, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The adoption commands' `--json`, against a real database (one with pgvector, which the
/// example app's schema needs).
#[test]
fn json_of_rollback_baseline_and_pull() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = runtime.block_on(async {
        for target in schema_core::testing::targets().unwrap() {
            if target.has_extension("vector").await.unwrap() {
                return Some(schema_core::testing::TestDb::on(target).await.unwrap());
            }
        }
        None
    }) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "no server with pgvector under CI"
        );
        println!("skipped: no PostgreSQL with pgvector here");
        return;
    };
    let url = db.url();
    let dir = std::env::temp_dir().join(format!("gen-migrations-json-{}", std::process::id()));
    let dir_arg = dir.to_str().unwrap();
    let with_db = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--dir", dir_arg, "--json", "--database-url", &url]);
        gen_migrations(&all)
    };
    assert_eq!(gen_migrations(&["--dir", dir_arg, "--json"]).0, 0);
    assert_eq!(with_db(&["migrate"]).0, 0);
    let (code, stdout, _) = with_db(&["rollback"]);
    assert_eq!(code, 1, "it loses data");
    assert!(
        stdout.contains(r#""ok":false"#) && stdout.contains("--allow-data-loss"),
        "{stdout}"
    );
    let (code, stdout, _) = with_db(&["rollback", "--allow-data-loss"]);
    assert_eq!(
        (code, stdout.trim()),
        (0, r#"{"ok":true,"rolled_back":["0000_init"]}"#)
    );
    let (code, stdout, _) = with_db(&["baseline"]);
    assert_eq!(code, 1, "an empty database is not the schema");
    assert!(stdout.contains("cannot be baselined"), "{stdout}");
    assert_eq!(with_db(&["migrate"]).0, 0);
    let out = dir.join("pulled");
    let (code, stdout, _) = with_db(&["pull", "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains(r#""written":["mod.rs","#), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_command_has_help() {
    let (code, stdout, _) = gen_migrations(&["--help"]);
    assert_eq!(code, 0);
    for command in [
        "generate", "migrate", "rollback", "baseline", "pull", "status", "check", "push", "drop",
        "diagram",
    ] {
        assert!(
            stdout.contains(command),
            "{command} missing from:\n{stdout}"
        );
        let (code, stdout, _) = gen_migrations(&[command, "--help"]);
        assert_eq!(code, 0, "{command} --help");
        assert!(stdout.contains("Usage:"), "{stdout}");
    }
}

/// The README shows the example app's schema as the diagram `gen-migrations diagram` draws: the
/// embedded copy is the command's output, byte for byte (run the command and paste it when the
/// schema changes).
#[test]
fn the_readme_embeds_the_diagram_the_tool_draws() {
    let (code, diagram, stderr) = gen_migrations(&["diagram"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(diagram.starts_with("erDiagram\n"), "{diagram}");
    assert!(
        diagram.contains("    projects }o--|| users : \"owner_id\"\n"),
        "{diagram}"
    );
    assert!(
        diagram.contains("    contexts }o--o| contexts : \"parent_id\"\n"),
        "a self-reference, optional: {diagram}"
    );
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    let embedded = readme
        .split("```mermaid\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a mermaid block in the README");
    assert_eq!(
        embedded, diagram,
        "the README's diagram is stale: paste `cargo run --bin gen-migrations -- diagram`"
    );
}
