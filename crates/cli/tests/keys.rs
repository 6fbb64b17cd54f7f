//! `promptline key` and `provider list/edit/rm` with keys bound to their database and origin, on
//! the kernel keyring (no Secret Service in the child's environment), against local servers that
//! record the `Authorization` header they receive.
#![allow(missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use serde_json::Value;

mod common;
use common::{stderr, Env};

/// An OpenAI-compatible server answering every chat request; returns its base URL and the
/// `Authorization` header of each request (`None` when there was none).
fn recording_server() -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut auth) = (0, None);
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((&line, ""));
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "authorization" => auth = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            record.lock().unwrap().push(auth);
            let payload = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                payload.len()
            );
        }
    });
    (url, seen)
}

/// An environment whose keychain is the kernel keyring.
fn env() -> Env {
    Env::new()
}

fn run_cmd(env: &Env, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut cmd = env.cmd();
    cmd.args(args)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/promptline-test-bus",
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn ok(env: &Env, args: &[&str], stdin: Option<&str>) -> (String, String) {
    let out = run_cmd(env, args, stdin);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    let err = stderr(&out);
    (String::from_utf8(out.stdout).unwrap(), err)
}

#[test]
fn keys_are_bound_to_their_database_and_origin() {
    let tag = std::process::id();
    let name = format!("lite{tag}");
    let var = format!("PROMPTLINE_CLI_TEST_{tag}");
    let (a, b) = (env(), env());
    let (url_a, seen_a) = recording_server();
    let (url_b, seen_b) = recording_server();
    for (env, url) in [(&a, &url_a), (&b, &url_b)] {
        let args = [
            "provider",
            "add",
            &name,
            "--kind",
            "openai",
            "--base-url",
            url,
            "--key-env",
            &var,
        ];
        ok(env, &args, None);
    }
    let (_, said) = ok(&a, &["key", "set", &name], Some("sk-for-a\n"));
    let origin_a = url_a.trim_end_matches("/v1");
    assert!(said.contains(&format!("for {origin_a} only")), "{said}");

    // Database B has no key of its own: nothing is sent to B, and the error says what to do.
    let model = format!("{name}/m");
    let out = run_cmd(&b, &["run", "--text", "hi", "-m", &model], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("takes precedence"),
        "{}",
        stderr(&out)
    );
    assert!(seen_b.lock().unwrap().is_empty());
    ok(&a, &["run", "--text", "hi", "-m", &model], None);
    assert_eq!(
        *seen_a.lock().unwrap(),
        [Some("Bearer sk-for-a".to_owned())]
    );

    // `provider list` says which source each provider uses and for which origin.
    let listed: Value =
        serde_json::from_str(&ok(&a, &["provider", "list", "--json"], None).0).unwrap();
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name.as_str())
        .unwrap();
    assert_eq!(mine["key"], "keychain");
    assert_eq!(mine["key_status"]["origin"], origin_a);
    assert_eq!(mine["key_status"]["stored"], "kernel_keyring");
    let listed_b: Value =
        serde_json::from_str(&ok(&b, &["provider", "list", "--json"], None).0).unwrap();
    let theirs = listed_b
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name.as_str())
        .unwrap();
    assert_eq!(theirs["key"], "missing");
    let table = ok(&a, &["provider", "list"], None).0;
    let row = table.lines().find(|l| l.starts_with(&name)).unwrap();
    assert!(row.contains(origin_a) && row.ends_with("keychain"), "{row}");

    // The variable, when set, wins over the stored key.
    let mut cmd = a.cmd();
    let out = cmd
        .args(["run", "--text", "hi", "-m", &model])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/promptline-test-bus",
        )
        .env(&var, "sk-from-env")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        seen_a.lock().unwrap()[1].as_deref(),
        Some("Bearer sk-from-env")
    );

    // Editing the base URL to B's origin: the key stays with A's origin and the CLI says how to
    // give B one; the next run sends nothing to B.
    let (_, said) = ok(&a, &["provider", "edit", &name, "--base-url", &url_b], None);
    let origin_b = url_b.trim_end_matches("/v1");
    assert!(
        said.contains(&format!(
            "stays with {origin_a} and is not sent to {origin_b}"
        )) && said.contains(&format!("promptline key set {name}"))
            && said.contains(&format!("promptline key move {name} --from {origin_a}")),
        "{said}"
    );
    let out = run_cmd(&a, &["run", "--text", "hi", "-m", &model], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        seen_b.lock().unwrap().is_empty(),
        "no key and no request reached B"
    );

    // `key list` shows the left-behind key with its database; `key move` carries it over.
    let keys: Value = serde_json::from_str(&ok(&a, &["key", "list", "--json"], None).0).unwrap();
    let entry = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["owner"] == name.as_str())
        .unwrap();
    assert_eq!(entry["origin"], origin_a);
    assert_eq!(entry["purpose"], "provider_key");
    assert_eq!(entry["this_database"], true);
    assert_eq!(entry["in_use"], false);
    assert!(!keys.to_string().contains("sk-for-a"));
    let from_b: Value = serde_json::from_str(&ok(&b, &["key", "list", "--json"], None).0).unwrap();
    let seen_from_b = from_b
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["owner"] == name.as_str())
        .unwrap();
    assert_eq!(seen_from_b["this_database"], false);
    ok(&a, &["key", "move", &name, "--from", origin_a], None);
    ok(&a, &["run", "--text", "hi", "-m", &model], None);
    assert_eq!(
        *seen_b.lock().unwrap(),
        [Some("Bearer sk-for-a".to_owned())]
    );

    // Removing the provider removes its key.
    let (_, said) = ok(&a, &["provider", "rm", &name], None);
    assert!(said.contains("and its stored key"), "{said}");
    let keys: Value = serde_json::from_str(&ok(&a, &["key", "list", "--json"], None).0).unwrap();
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .all(|k| k["owner"] != name.as_str()),
        "{keys}"
    );
}
