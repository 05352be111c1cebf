//! `orgwarden completions SHELL`: a script that knows every subcommand, server and client alike.

use std::process::Command;

use crate::harness::BIN;

#[test]
fn completion_scripts_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Command::new(BIN)
            .env_clear()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in ["serve", "db-copy", "orgs", "connections", "tenant", "login"] {
            assert!(script.contains(word), "{shell} completion names {word}");
        }
    }
    let out = Command::new(BIN)
        .env_clear()
        .args(["completions", "cmd.exe"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}
