//! `promptline key set` and `key rm` in each real OS store: a Secret Service (GNOME Keyring in a
//! private D-Bus session, as on a desktop after logging in) and the kernel keyring the CLI falls
//! back to when no Secret Service answers. The story runs once per store in a child process of
//! this test binary, so each sees that store and nothing else; the server records the key it
//! receives.
#![allow(missing_docs)]

use std::io::Write;
use std::process::{Command, Stdio};

use promptline_core::providers::ProviderKind;
use serde_json::Value;

mod common;
use common::{stderr, Env};

#[path = "../../core/tests/wire/mod.rs"]
mod wire;
use wire::{Reply, TestServer};

const EXPECT_VAR: &str = "PROMPTLINE_TEST_EXPECT_STORAGE";

/// One store at a time: both stories may end up in the user's kernel keyring.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_story(expect: &str, wrap: impl FnOnce(&str) -> Command) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let output = wrap(exe.to_str().unwrap())
        .env(EXPECT_VAR, expect)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .expect("start the child test");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the story failed:\n{text}");
    assert!(
        text.contains("test the_key_story ... ok") && text.contains("1 passed"),
        "the story did not run:\n{text}"
    );
}

#[test]
fn key_set_and_rm_in_a_secret_service() {
    run_story("keychain", |exe| {
        let mut command = Command::new("dbus-run-session");
        command.args([
            "--",
            "sh",
            "-c",
            "printf test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
             && exec \"$0\" --exact the_key_story --ignored --nocapture --test-threads 1",
            exe,
        ]);
        command
    });
}

#[test]
fn key_set_and_rm_in_the_kernel_keyring() {
    run_story("kernel_keyring", |exe| {
        let mut command = Command::new(exe);
        command
            .args(["--exact", "the_key_story", "--ignored", "--nocapture"])
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/promptline-test-bus",
            );
        command
    });
}

fn cli(env: &Env, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = env
        .cmd()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn provider_entry(env: &Env, name: &str) -> Value {
    let out = cli(env, &["provider", "list", "--json"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()
        .clone()
}

#[test]
#[ignore = "runs inside key_set_and_rm_in_a_secret_service / _in_the_kernel_keyring"]
fn the_key_story() {
    let expect = std::env::var(EXPECT_VAR).expect("run by the two tests above");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(TestServer::always(Reply::sse(wire::stream_events(
        ProviderKind::OpenAi,
        &["ok"],
        None,
    ))));
    let env = Env::new();
    let name = format!("vaulted{}", std::process::id());
    let var = format!("PROMPTLINE_KEY_STORY_{}", std::process::id());
    let base = wire::base_url(ProviderKind::OpenAi, &server.url);
    let added = cli(
        &env,
        &[
            "provider",
            "add",
            &name,
            "--kind",
            "openai",
            "--base-url",
            &base,
            "--key-env",
            &var,
        ],
        None,
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let model = format!("{name}/m");
    let sent_keys = || -> Vec<Option<String>> {
        server
            .requests()
            .iter()
            .map(|r| r.header("authorization").map(str::to_owned))
            .collect()
    };

    let set = cli(&env, &["key", "set", &name], Some("sk-story-key\n"));
    assert!(set.status.success(), "{}", stderr(&set));
    let entry = provider_entry(&env, &name);
    assert_eq!(entry["key"], "keychain", "{entry}");
    assert_eq!(entry["key_status"]["stored"], expect.as_str(), "{entry}");
    let ran = cli(&env, &["run", "--text", "hi", "-m", &model], None);
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert_eq!(sent_keys(), [Some("Bearer sk-story-key".to_owned())]);

    let removed = cli(&env, &["key", "rm", &name], None);
    assert!(removed.status.success(), "{}", stderr(&removed));
    assert!(
        stderr(&removed).contains("Removed the stored key"),
        "{}",
        stderr(&removed)
    );
    assert_eq!(provider_entry(&env, &name)["key"], "missing");
    let without = cli(&env, &["run", "--text", "hi", "-m", &model], None);
    assert_eq!(without.status.code(), Some(2), "{}", stderr(&without));
    assert_eq!(sent_keys().len(), 1, "no request without a key");
    let again = cli(&env, &["key", "rm", &name], None);
    assert!(
        stderr(&again).contains("No key was stored"),
        "{}",
        stderr(&again)
    );
}
