//! `promptline provider`, `models` and `run` against a local OpenAI-compatible server.
#![allow(missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use serde_json::Value;

mod common;
use common::Env;

/// Serves `requests` answers: a streamed chat completion echoing the model, or the model list.
fn server(requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let (content_type, payload) = if request_line.starts_with("GET /v1/models") {
                (
                    "application/json",
                    r#"{"object":"list","data":[{"id":"tiny","object":"model"}]}"#.to_owned(),
                )
            } else {
                let request: Value = serde_json::from_slice(&body).unwrap();
                let model = request["model"].as_str().unwrap().to_owned();
                let chunk = |content: &str, finish: Value| {
                    let chunk = serde_json::json!({"choices": [{"index": 0,
                        "delta": {"content": content}, "finish_reason": finish}]});
                    format!("data: {chunk}\n\n")
                };
                let usage = r#"{"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}"#;
                (
                    "text/event-stream",
                    format!(
                        "{}{}{}data: {usage}\n\ndata: [DONE]\n\n",
                        chunk("answer from ", Value::Null),
                        chunk(&model, Value::Null),
                        chunk("", Value::from("stop")),
                    ),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{payload}",
                payload.len()
            );
        }
    });
    url
}

#[test]
fn a_configured_provider_lists_its_models_and_runs_prompts_on_several_at_once() {
    let env = Env::new();
    let url = server(4);
    env.ok(&[
        "provider",
        "add",
        "local",
        "--kind",
        "openai",
        "--base-url",
        &url,
    ]);

    let listed: Value = serde_json::from_str(&env.ok(&["provider", "list", "--json"])).unwrap();
    let local = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "local")
        .unwrap();
    assert_eq!(local["kind"], "openai");
    assert_eq!(local["base_url"], url);
    assert_eq!(local["key"], "none");
    assert_eq!(local["builtin"], false);

    let models = env.ok(&["models", "--provider", "local"]);
    assert_eq!(models, "local/tiny\n");

    // One model: the answer streams to stdout.
    let out = env.ok(&["run", "--text", "Hi", "--model", "local/tiny"]);
    assert_eq!(out, "answer from tiny\n");

    // Two models at once: each labelled, both recorded.
    let out = env.ok(&["run", "--text", "Hi", "-m", "local/a", "-m", "local/b"]);
    assert!(
        out.contains("answer from a") && out.contains("answer from b"),
        "{out}"
    );
    let history: Value =
        serde_json::from_str(&env.ok(&["history", "--json", "--model", "a", "--model", "b"]))
            .unwrap();
    let runs = history.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for run in runs {
        assert_eq!(run["provider"], "local");
        assert_eq!(run["status"], "success");
        assert_eq!(run["tokens_used"], 5);
    }

    env.ok(&["provider", "rm", "local"]);
    let out = env.run(&["run", "--text", "Hi", "--model", "local/tiny"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no provider named `local`"), "{stderr}");
}

#[test]
fn provider_add_refuses_what_cannot_work() {
    let env = Env::new();
    let out = env.run(&[
        "provider",
        "add",
        "x",
        "--kind",
        "cohere",
        "--base-url",
        "http://x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&["provider", "add", "x", "--kind", "openai"]);
    assert_eq!(out.status.code(), Some(2));
    let out = env.run(&[
        "provider",
        "add",
        "x",
        "--kind",
        "openai",
        "--base-url",
        "http://x",
        "--key-env",
        "sk-123-abc",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the key"));
    // The offline demo needs no URL.
    env.ok(&["provider", "add", "demo", "--kind", "echo"]);
    assert_eq!(
        env.ok(&["run", "--text", "same words", "--model", "demo/echo"]),
        "same words\n"
    );
}
