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
    for command in ["generate", "migrate", "status", "check", "push", "drop"] {
        assert!(
            stdout.contains(command),
            "{command} missing from:\n{stdout}"
        );
        let (code, stdout, _) = gen_migrations(&[command, "--help"]);
        assert_eq!(code, 0, "{command} --help");
        assert!(stdout.contains("Usage:"), "{stdout}");
    }
}
