//! Runs that survive a crash: `promptline run` streaming from a local OpenAI-compatible server is
//! killed with SIGKILL at moments the test does not choose in advance, while a second run streams
//! in another process. Each killed run comes back as `interrupted` with a prefix of what the server
//! sent; the live one is left alone and ends as a success; the database stays whole.
#![allow(missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::Env;

/// The text the server streams for a run: `w0 w1 w2 ...`, one word per chunk.
fn word(i: usize) -> String {
    format!("w{i} ")
}

/// An OpenAI-compatible server that streams a word every 20 ms: for model `long` until `finish`
/// is set, for any other model until the client goes away (at most 100,000 words).
fn slow_server(finish: Arc<AtomicBool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let finish = finish.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let request: Value = serde_json::from_slice(&body).unwrap();
                let long = request["model"] == "long";
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for i in 0..100_000 {
                    if long && finish.load(Ordering::SeqCst) {
                        break;
                    }
                    let chunk = serde_json::json!({"choices": [{"index": 0,
                        "delta": {"content": word(i)}, "finish_reason": null}]});
                    if write!(stream, "data: {chunk}\n\n").is_err() || stream.flush().is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                let _ = write!(
                    stream,
                    "data: {}\n\ndata: [DONE]\n\n",
                    serde_json::json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                );
            });
        }
    });
    url
}

/// Whether `text` is what the server sends, cut after some number of whole words.
fn is_prefix_of_the_stream(text: &str) -> bool {
    let mut expected = String::new();
    let mut i = 0;
    while expected.len() < text.len() {
        expected.push_str(&word(i));
        i += 1;
    }
    expected == text
}

fn start_run(env: &Env, model: &str) -> Child {
    env.cmd()
        .args(["run", "--text", "Stream for a while", "--model", model])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn runs_with_status(env: &Env, status: &str) -> Vec<Value> {
    let out = env.json(&["history", "--json", "-n", "1000", "--status", status]);
    out.as_array().unwrap().clone()
}

#[test]
fn a_run_killed_mid_stream_is_kept_as_interrupted_and_a_live_one_is_left_alone() {
    let env = Env::new();
    let finish = Arc::new(AtomicBool::new(false));
    let url = slow_server(finish.clone());
    env.ok(&[
        "provider",
        "add",
        "slow",
        "--kind",
        "openai",
        "--base-url",
        &url,
    ]);

    // The run in another live process, streaming throughout.
    let mut live = start_run(&env, "slow/long");
    let deadline = Instant::now() + Duration::from_secs(20);
    while runs_with_status(&env, "running").is_empty() {
        assert!(
            Instant::now() < deadline,
            "the live run never showed as running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Kill points spread over 0.2 to 3 s by a fixed pseudo-random sequence.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut with_text = 0;
    for attempt in 1..=20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait = Duration::from_millis(200 + seed % 2800);
        let mut doomed = start_run(&env, "slow/short");
        let started = Instant::now();
        std::thread::sleep(wait);
        doomed.kill().unwrap(); // SIGKILL: no handler, no clean-up
        doomed.wait().unwrap();
        let lived = started.elapsed();

        // The next command to open the database finds the run of the dead process.
        let interrupted = runs_with_status(&env, "interrupted");
        assert_eq!(
            interrupted.len(),
            attempt,
            "attempt {attempt} after {wait:?}"
        );
        let newest = &interrupted[0];
        let id = newest["id"].as_str().unwrap();
        let run = env.json(&["show", id, "--json"]);
        let response = run["response"].as_str().unwrap();
        assert!(
            is_prefix_of_the_stream(response),
            "attempt {attempt}: {response:?} is not a prefix of what the server sent"
        );
        if !response.is_empty() {
            with_text += 1;
        }
        let error = run["error_message"].as_str().unwrap();
        assert!(
            error.contains("interrupted") && error.contains("ended"),
            "{error}"
        );
        let spent = run["execution_time_ms"].as_i64().unwrap();
        assert!(spent as u128 <= lived.as_millis(), "{spent} ms > {lived:?}");

        // The other process's run is still in flight, untouched.
        let running = runs_with_status(&env, "running");
        assert_eq!(
            running.len(),
            1,
            "attempt {attempt}: the live run was touched"
        );
        assert_eq!(running[0]["model"], "long");
    }
    assert!(with_text >= 10, "only {with_text} of 20 kept any text");

    let check = std::process::Command::new("sqlite3")
        .arg(env.db())
        .arg("PRAGMA integrity_check")
        .output()
        .expect("the sqlite3 CLI (scripts/setup.sh test installs it)");
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok");

    // The live run ends normally, completed in place: same id, the whole answer.
    let live_id = runs_with_status(&env, "running")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    finish.store(true, Ordering::SeqCst);
    assert!(live.wait().unwrap().success());
    let done = env.json(&["show", &live_id, "--json"]);
    assert_eq!(done["status"], "success");
    let response = done["response"].as_str().unwrap();
    assert!(is_prefix_of_the_stream(response) && response.len() > 100);
    assert!(runs_with_status(&env, "running").is_empty());
}
