//! `promptline team` and `promptline sync` on a real PostgreSQL server: the admin sets the team up,
//! alice connects with a password in her URL (it goes to the keychain and is stored nowhere
//! else), shares a prompt and syncs; bob sees its runs; a `sync` killed mid-push resumes.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{stderr, Env};
use promptline_pgtest::TempCluster;

fn admin_url(cluster: &TempCluster) -> String {
    cluster.superuser_sql(
        "postgres",
        "CREATE ROLE team_admin LOGIN CREATEROLE PASSWORD 'admin-pw'; ",
    );
    cluster.superuser_sql("postgres", "CREATE DATABASE team OWNER team_admin");
    cluster.url("team_admin", "admin-pw", "team")
}

fn add_user(env: &Env, admin: &str, name: &str, password: &str) {
    let mut child = env
        .cmd()
        .args(["team", "add-user", name, "--server", admin])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_team_shares_through_its_server_and_a_killed_sync_resumes() {
    let cluster = TempCluster::start();
    let admin = admin_url(&cluster);
    let env = Env::new();
    assert!(env
        .ok(&["team", "init", &admin])
        .contains("Set up the team schema"));
    assert!(env.ok(&["team", "init", &admin]).contains("up to date"));
    // Unique per run: the keychain is the machine's.
    let alice_pw = format!("alice-pw-{}", cluster.port());
    add_user(&env, &admin, "alice", &alice_pw);
    add_user(&env, &admin, "bob", "bob-pw-2");

    let alice = Env::new();
    let connected = alice.ok(&["team", "connect", &cluster.url("alice", &alice_pw, "team")]);
    assert!(!connected.contains(&alice_pw), "{connected}");
    let status = alice.json(&["team", "status", "--json"]);
    assert_eq!(status["link"]["user_name"], "alice");
    assert!(!status.to_string().contains(&alice_pw));
    let db = std::fs::read(alice.db()).unwrap();
    assert!(
        !db.windows(alice_pw.len()).any(|w| w == alice_pw.as_bytes()),
        "the password reached the database file"
    );

    let prompt = alice.ok(&["prompt", "add", "--name", "Shared", "--text", "say {{x}}"]);
    let prompt = prompt.trim();
    for i in 0..3 {
        alice.ok(&[
            "run",
            prompt,
            "--var",
            &format!("x=hello {i}"),
            "--model",
            "echo",
        ]);
    }
    alice.ok(&["run", "--text", "private thoughts", "--model", "echo"]);
    assert!(alice.ok(&["prompt", "share", prompt]).contains("Shared"));
    let report = alice.json(&["sync", "--json"]);
    assert_eq!(report["pushed_runs"], 4);

    let bob = Env::new();
    let mut child = bob
        .cmd()
        .args([
            "team",
            "connect",
            "--password-stdin",
            &cluster.url("bob", "", "team").replace(":@", "@"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"bob-pw-2\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(bob.json(&["sync", "--json"])["pulled_runs"], 3);
    let team_runs = bob.json(&["history", "--whose", "team", "--json"]);
    let team_runs = team_runs.as_array().unwrap();
    assert_eq!(team_runs.len(), 3);
    assert!(team_runs.iter().all(|r| r["owner"] == "alice"));
    let exported = bob.ok(&["export", "--format", "csv"]);
    let header = exported.lines().next().unwrap();
    assert!(header.split(',').any(|c| c == "owner"), "{header}");
    assert!(exported.contains(",alice"));
    assert!(bob.ok(&["history"]).contains("[alice]"));

    // A wrong password is refused with the server's reason and never echoed.
    let carol = Env::new();
    let refused = carol.run(&[
        "team",
        "connect",
        &cluster.url("alice", "wrong-pw-xyz", "team"),
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("password authentication failed"),
        "{}",
        stderr(&refused)
    );
    assert!(!stderr(&refused).contains("wrong-pw-xyz"));

    // Kill `promptline sync` with SIGKILL in the middle of a big push, then sync again.
    let lines: String = (0..20_000)
        .map(|i| {
            format!(
                "{{\"id\":\"bulk-{i}\",\"prompt_id\":\"{prompt}\",\"prompt_text\":\"p {i}\",\"response\":\"{}\",\"model\":\"echo\",\"status\":\"success\",\"created_at\":\"2026-03-01T00:00:{:02}.{:06}Z\"}}\n",
                "word ".repeat(50),
                i % 60,
                i
            )
        })
        .collect();
    let file = alice.dir.path().join("bulk.jsonl");
    std::fs::write(&file, lines).unwrap();
    alice.ok(&["import", file.to_str().unwrap()]);
    let mut sync = alice
        .cmd()
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let _ = sync.kill();
    let _ = sync.wait();
    let on_server = |sql: &str| -> i64 { cluster.superuser_sql("team", sql).parse().unwrap() };
    let partial = on_server("SELECT count(*) FROM promptline.prompt_run_history");
    alice.ok(&["sync"]);
    assert_eq!(
        on_server("SELECT count(*) FROM promptline.prompt_run_history"),
        20_004,
        "after a kill with {partial} on the server"
    );
    assert_eq!(
        alice.json(&["team", "status", "--json"])["waiting"]["runs"],
        0
    );
    assert_eq!(bob.json(&["sync", "--json"])["pulled_runs"], 20_000);
    assert_eq!(bob.json(&["sync", "--json"])["pulled_runs"], 0);
    eprintln!("killed with {partial} of 20,004 runs on the server");

    // Disconnecting forgets the password.
    assert!(alice.ok(&["team", "disconnect"]).contains("Disconnected"));
    let again = alice.run(&["sync"]);
    assert!(
        stderr(&again).contains("not connected"),
        "{}",
        stderr(&again)
    );
}
