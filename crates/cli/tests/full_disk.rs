//! The database on a full filesystem (a 4 MB tmpfs mounted for the test): the answer still
//! reaches the user, the failure says what to do, nothing recorded before is damaged, and once
//! space is freed runs are recorded again. Needs root for the mount (as CI and `make test` have).
#![allow(missing_docs)]

use std::io::Write;
use std::process::Command;

mod common;
use common::Env;

struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_loses_no_answer_and_damages_nothing() {
    let env = Env::new();
    let mnt = env.dir.path().join("small");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
        .arg(&mnt)
        .status()
        .expect("mount (util-linux)");
    assert!(
        mounted.success(),
        "mounting a tmpfs needs root: run the tests as `make test` does"
    );
    let _guard = Mounted(mnt.clone());
    let db = mnt.join("full.db");
    let cmd = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_promptline"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .env_remove("PROMPTLINE_DB")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    assert!(cmd(&[
        "run",
        "--text",
        "recorded before the disk filled up",
        "--model",
        "echo"
    ])
    .status
    .success());
    // Another process has the database open, as the desktop app would: its shared-memory index
    // and write-ahead log stay in place while the disk fills.
    let mut holder = Command::new("sqlite3")
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the sqlite3 CLI");
    writeln!(holder.stdin.as_mut().unwrap(), "SELECT count(*) FROM runs;").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));

    // Fill the filesystem to the last byte.
    let filler_path = mnt.join("filler");
    let mut filler = std::fs::File::create(&filler_path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while filler.write_all(&block).is_ok() {}
    let mut small = [0u8; 512];
    while filler.write_all(&small).is_ok() {}
    small[0] = 1;
    while filler.write_all(&small[..1]).is_ok() {}
    let _ = filler.flush();
    drop(filler);

    let answer = "the answer that must reach you even so";
    let out = cmd(&["run", "--text", answer, "--model", "echo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains(answer),
        "the answer did not reach the user: {stdout:?} {stderr}"
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("could not be recorded: the disk is full")
            && stderr.contains("once there is free space"),
        "{stderr}"
    );

    drop(holder.stdin.take());
    holder.wait().unwrap();

    // Space again: what was there is intact, and the next run is recorded.
    std::fs::remove_file(&filler_path).unwrap();
    let check = Command::new("sqlite3")
        .arg(&db)
        .arg("PRAGMA integrity_check")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok");
    let history = cmd(&["history", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert!(runs[0]["preview"]
        .as_str()
        .unwrap()
        .contains("recorded before the disk filled up"));
    assert!(cmd(&["run", "--text", "after", "--model", "echo"])
        .status
        .success());
    let history = cmd(&["history", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2);
}
