//! `promptline otel` and `export --format otlp` against a real OTLP/HTTP receiver: settings kept
//! without their secrets, every run sent before the command exits, the standard environment
//! variables, a hanging collector, and a resumable backfill.
#![allow(missing_docs)]

use std::process::Command;
use std::time::{Duration, Instant};

mod common;
#[path = "../../core/tests/otlp/mod.rs"]
mod otlp;

use common::{stderr, Env};
use otlp::{Mode, Receiver};

const SECRET: &str = "otlp-cli-secret-5e2b9f";

/// The binary with no OTEL_* variables from the test's own environment.
fn cmd(env: &Env) -> Command {
    let mut cmd = env.cmd();
    for (name, _) in std::env::vars() {
        if name.starts_with("OTEL_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

fn run(env: &Env, args: &[&str]) -> std::process::Output {
    cmd(env).args(args).output().unwrap()
}

fn ok(env: &Env, args: &[&str]) -> (String, String) {
    let out = run(env, args);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    let said = stderr(&out);
    (String::from_utf8(out.stdout).unwrap(), said)
}

fn db_bytes(env: &Env) -> Vec<u8> {
    std::fs::read_dir(env.dir.path())
        .unwrap()
        .flat_map(|e| std::fs::read(e.unwrap().path()).unwrap_or_default())
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn otel_set_show_and_off_keep_the_header_values_out_of_sight() {
    let env = Env::new();
    let receiver = Receiver::start().await;
    let out = run(&env, &["otel", "set", "--content", "on"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--endpoint"), "{}", stderr(&out));
    let out = run(
        &env,
        &["otel", "set", "--endpoint", "http://pk:sk@h/v1/traces"],
    );
    assert!(stderr(&out).contains("header"), "{}", stderr(&out));

    let bearer = format!("Authorization=Bearer {SECRET}");
    let (_, said) = ok(
        &env,
        &[
            "otel",
            "set",
            "--endpoint",
            &receiver.url,
            "--header",
            &bearer,
            "--header",
            "x-team=ml",
        ],
    );
    assert!(said.contains(&receiver.url), "{said}");
    assert!(
        said.contains("not sent"),
        "content is off by default: {said}"
    );
    assert!(!said.contains(SECRET));

    let (shown, _) = ok(&env, &["otel", "show"]);
    assert!(shown.contains(&receiver.url), "{shown}");
    assert!(
        shown.contains("Authorization, x-team (values hidden)"),
        "{shown}"
    );
    assert!(shown.contains("content    off"), "{shown}");
    assert!(!shown.contains(SECRET));
    // Content on, headers kept.
    ok(&env, &["otel", "set", "--content", "on"]);
    let status: serde_json::Value =
        serde_json::from_str(&ok(&env, &["otel", "show", "--json"]).0).unwrap();
    assert_eq!(status["capture_content"], true);
    assert_eq!(
        status["header_names"],
        serde_json::json!(["Authorization", "x-team"])
    );
    assert_eq!(status["state"], "waiting");

    // A run carries the headers to the collector, and nothing of them stays in the database.
    ok(&env, &["run", "--text", "hello", "-m", "echo"]);
    let request = receiver
        .requests()
        .pop()
        .expect("sent before the command exited");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    assert!(!contains(&db_bytes(&env), SECRET));

    let (_, said) = ok(&env, &["otel", "off"]);
    assert!(said.contains("no longer sent"), "{said}");
    let (shown, _) = ok(&env, &["otel", "show"]);
    assert!(shown.contains("Not sending runs"), "{shown}");
    ok(&env, &["run", "--text", "not sent", "-m", "echo"]);
    assert_eq!(receiver.accepted_spans().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_run_is_sent_before_the_command_exits() {
    let env = Env::new();
    let receiver = Receiver::start().await;
    ok(&env, &["otel", "set", "--endpoint", &receiver.url]);
    ok(
        &env,
        &[
            "run",
            "--text",
            "hi {{who}}",
            "--var",
            "who=you",
            "-m",
            "echo",
            "--repeat",
            "3",
        ],
    );
    // No waiting here: the command sent them before it exited.
    let spans = receiver.accepted_spans();
    assert_eq!(spans.len(), 3);
    for span in &spans {
        assert_eq!(span.name, "chat echo");
        assert_eq!(
            otlp::texts(span, "promptline.variable_names"),
            Some(vec!["who".to_owned()])
        );
        assert!(otlp::attr(span, "gen_ai.input.messages").is_none());
    }
    let status: serde_json::Value =
        serde_json::from_str(&ok(&env, &["otel", "show", "--json"]).0).unwrap();
    assert_eq!(status["state"], "connected");
    assert_eq!(status["waiting"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_environment_variables_configure_the_export() {
    let env = Env::new();
    let receiver = Receiver::start().await;
    let base = receiver.url.trim_end_matches("/v1/traces").to_owned();
    let out = cmd(&env)
        .args(["run", "--text", "from the environment", "-m", "echo"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &base)
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            format!("authorization=Basic%20{SECRET}"),
        )
        .env("OTEL_SERVICE_NAME", "nightly-evals")
        .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=ci")
        .env("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let request = receiver
        .requests()
        .pop()
        .expect("sent to $OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Basic {SECRET}").as_str())
    );
    let decoded = request.request.unwrap();
    let resource = decoded.resource_spans[0].resource.clone().unwrap();
    let text = |key: &str| match otlp::attr_in(&resource.attributes, key) {
        Some(opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(s)) => s.clone(),
        _ => String::new(),
    };
    assert_eq!(text("service.name"), "nightly-evals");
    assert_eq!(text("deployment.environment"), "ci");
    let span = &decoded.resource_spans[0].scope_spans[0].spans[0];
    assert!(otlp::text(span, "gen_ai.input.messages")
        .unwrap()
        .contains("from the environment"));
    assert!(!contains(&db_bytes(&env), SECRET));

    // OTEL_SDK_DISABLED wins; a bad protocol is refused in words, and the run is still recorded.
    let out = cmd(&env)
        .args(["run", "--text", "off", "-m", "echo"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &base)
        .env("OTEL_SDK_DISABLED", "true")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(receiver.accepted_spans().len(), 1);
    let out = cmd(&env)
        .args(["otel", "show"])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &base)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("http/protobuf"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_collector_holds_a_command_back_two_seconds_at_most() {
    let env = Env::new();
    let receiver = Receiver::start_on(0, Mode::Hang).await;
    ok(&env, &["otel", "set", "--endpoint", &receiver.url]);
    let started = Instant::now();
    let out = run(&env, &["run", "--text", "still answered", "-m", "echo"]);
    let took = started.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("still answered"));
    assert!(
        took < Duration::from_millis(2500),
        "the command took {took:?}"
    );
    assert!(
        stderr(&out).contains("1 run waits to be sent"),
        "{}",
        stderr(&out)
    );
    let status: serde_json::Value =
        serde_json::from_str(&ok(&env, &["otel", "show", "--json"]).0).unwrap();
    assert_eq!(status["waiting"], 1);

    // Back: the next command sends both runs, once each.
    receiver.set_mode(Mode::Accept);
    ok(&env, &["run", "--text", "second", "-m", "echo"]);
    let spans = receiver.accepted_spans();
    assert_eq!(spans.len(), 2, "the waiting run and the new one");
    let history: serde_json::Value = serde_json::from_str(&env.ok(&["history", "--json"])).unwrap();
    assert_eq!(history.as_array().map(Vec::len), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_format_otlp_sends_past_runs_once_and_resumes() {
    let env = Env::new();
    // Recorded with no endpoint set: nothing is sent live.
    ok(
        &env,
        &["run", "--text", "past", "-m", "echo", "--repeat", "30"],
    );
    let out = run(&env, &["export", "--format", "otlp"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--endpoint"), "{}", stderr(&out));

    let receiver = Receiver::start().await;
    let (_, said) = ok(
        &env,
        &[
            "export",
            "--format",
            "otlp",
            "--endpoint",
            &receiver.url,
            "--since",
            "2000-01-01",
        ],
    );
    assert!(said.contains("Sent 30 runs"), "{said}");
    assert_eq!(receiver.accepted_spans().len(), 30);
    let (_, said) = ok(
        &env,
        &["export", "--format", "otlp", "--endpoint", &receiver.url],
    );
    assert!(said.contains("Sent 0 runs"), "{said}");
    assert!(said.contains("30 already sent"), "{said}");
    assert_eq!(receiver.accepted_spans().len(), 30, "nothing twice");

    // Another endpoint has its own record.
    let other = Receiver::start().await;
    ok(
        &env,
        &[
            "export",
            "--format",
            "otlp",
            "--endpoint",
            &other.url,
            "--status",
            "success",
        ],
    );
    assert_eq!(other.accepted_spans().len(), 30);
    let out = run(
        &env,
        &[
            "export",
            "--format",
            "otlp",
            "--endpoint",
            &other.url,
            "-o",
            "x",
        ],
    );
    assert!(!out.status.success());
    let out = run(&env, &["export", "--format", "xml"]);
    assert!(stderr(&out).contains("otlp"), "{}", stderr(&out));
}
