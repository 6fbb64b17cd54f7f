//! Which database the CLI opens (the desktop app's default file, `PROMPTLINE_DB`, `--db`) and how
//! it writes to it: every commit synced to disk (`synchronous = FULL`), seen from outside the
//! process by tracing its system calls.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::stderr;

/// The binary with a private data directory (`XDG_DATA_HOME`) and no database set.
fn bare(data_home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_promptline"));
    cmd.env_remove("PROMPTLINE_DB")
        .env("XDG_DATA_HOME", data_home)
        .env("HOME", data_home)
        .env("NO_COLOR", "1");
    cmd
}

fn text(out: &Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn the_default_database_is_the_apps_and_promptline_db_and_db_move_it() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    // The desktop app's data directory is named after its identifier in tauri.conf.json.
    let conf: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tauri.conf.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let identifier = conf["identifier"].as_str().unwrap();
    let default = data.join(identifier).join("promptline.db");

    let printed = text(&bare(&data).arg("db-path").output().unwrap());
    assert_eq!(PathBuf::from(printed.trim_end()), default);
    text(
        &bare(&data)
            .args(["run", "--text", "into the default file", "--model", "echo"])
            .output()
            .unwrap(),
    );
    assert!(default.is_file(), "{} was not created", default.display());

    let elsewhere = home.path().join("elsewhere.db");
    let by_env = || {
        let mut cmd = bare(&data);
        cmd.env("PROMPTLINE_DB", &elsewhere);
        cmd
    };
    assert_eq!(
        PathBuf::from(text(&by_env().arg("db-path").output().unwrap()).trim_end()),
        elsewhere
    );
    text(
        &by_env()
            .args(["run", "--text", "into PROMPTLINE_DB", "--model", "echo"])
            .output()
            .unwrap(),
    );
    let third = home.path().join("third.db");
    assert_eq!(
        PathBuf::from(
            text(
                &by_env()
                    .arg("--db")
                    .arg(&third)
                    .arg("db-path")
                    .output()
                    .unwrap()
            )
            .trim_end()
        ),
        third,
        "--db wins over PROMPTLINE_DB"
    );

    let previews = |cmd: &mut Command| -> Vec<String> {
        let out = text(&cmd.args(["history", "--json"]).output().unwrap());
        let runs: serde_json::Value = serde_json::from_str(&out).unwrap();
        runs.as_array()
            .unwrap()
            .iter()
            .map(|r| r["preview"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(previews(&mut bare(&data)), vec!["into the default file"]);
    assert_eq!(previews(&mut by_env()), vec!["into PROMPTLINE_DB"]);
    assert!(!third.exists(), "db-path opens nothing");
}

/// `fsync`/`fdatasync` calls on the write-ahead log while `args` run, traced by strace.
fn wal_syncs(db: &Path, args: &[&str]) -> usize {
    let trace = db.with_extension("strace");
    let out = Command::new("strace")
        .args(["-f", "-qq", "-y", "-e", "trace=fsync,fdatasync", "-o"])
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_promptline"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("PROMPTLINE_DB")
        .output()
        .expect("strace runs (scripts/setup.sh test installs it)");
    assert!(out.status.success(), "{}", stderr(&out));
    let wal = format!("{}-wal>", db.file_name().unwrap().to_str().unwrap());
    std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .filter(|line| line.contains(&wal) && line.trim_end().ends_with("= 0"))
        .count()
}

#[test]
fn every_commit_of_a_run_is_synced_to_disk_before_the_cli_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("synced.db");
    // Create the file first, so the migrations' commits are not counted.
    text(
        &Command::new(env!("CARGO_BIN_EXE_promptline"))
            .arg("--db")
            .arg(&db)
            .args(["history"])
            .env_remove("PROMPTLINE_DB")
            .output()
            .unwrap(),
    );
    // Each run commits at least twice (started, finished); with `synchronous = NORMAL` the WAL
    // is synced only at checkpoints (once or twice for the whole command), with OFF never.
    let runs = 8;
    let syncs = wal_syncs(
        &db,
        &[
            "run",
            "--text",
            "synced",
            "--model",
            "echo",
            "--repeat",
            &runs.to_string(),
        ],
    );
    assert!(
        syncs >= 2 * runs,
        "{syncs} syncs of the WAL for {runs} runs: not every commit reaches the disk"
    );
}
