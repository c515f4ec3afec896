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
        r#"{"ok":true,"summary":"5 tables created, 44 columns in them, 1 enum change, 4 foreign keys, 6 index changes, 1 extension","written":["0000_init"]}"#
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

#[test]
fn every_command_has_help() {
    let (code, stdout, _) = gen_migrations(&["--help"]);
    assert_eq!(code, 0);
    for command in [
        "generate", "migrate", "status", "check", "push", "drop", "diagram",
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
