//! `promptline prices`, `reprice` and the cost in `history`, `show`, `stats` and `export`, on a
//! real database file; `prices update` against a local HTTP server that serves a data file.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

use common::{stderr, Env};
use serde_json::Value;

/// A genai-prices v2 data file with one provider and model, at rates no real model has.
const DATA_FILE: &str = r#"[{"id": "openai", "name": "OpenAI", "api_pattern": "https://api\\.openai\\.com",
  "model_match": {"contains": "gpt"},
  "models": [{"id": "gpt-4o-mini", "name": "gpt 4o mini", "match": {"equals": "gpt-4o-mini"},
    "prices": {"input_mtok": 7, "output_mtok": 11}}]}]"#;

/// Serves `body` with `status` to every request on a free port; returns the URL of `/data.json`.
fn serve(status: &'static str, body: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/data.json", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A JSONL file of runs as `import` reads them.
fn import_runs(env: &Env, lines: &[Value]) {
    let path = env.dir.path().join("runs.jsonl");
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&path, text).unwrap();
    env.ok(&["import", path.to_str().unwrap()]);
}

fn run_line(id: &str, provider: &str, model: &str, tokens: (i64, i64)) -> Value {
    serde_json::json!({"id": id, "prompt_text": "hi", "response": "hello", "model": model,
        "provider": provider, "status": "success", "created_at": "2026-11-04T12:00:00Z",
        "input_tokens": tokens.0, "output_tokens": tokens.1})
}

fn cost(env: &Env, id: &str) -> Value {
    env.json(&["show", id, "--json"])["cost_usd"].clone()
}

#[test]
fn imported_runs_are_priced_and_shown_everywhere() {
    let env = Env::new();
    import_runs(
        &env,
        &[
            run_line("r1", "openai", "gpt-4o-mini", (1_000, 500)),
            run_line("r2", "ollama", "llama3.2:latest", (10, 10)),
        ],
    );
    // $0.15 and $0.60 per million: 1,000 in and 500 out cost $0.00045.
    assert!((cost(&env, "r1").as_f64().unwrap() - 0.00045).abs() < 1e-12);
    assert_eq!(cost(&env, "r2"), Value::Null);

    let history = env.ok(&["history"]);
    let header = history.lines().next().unwrap();
    assert!(header.contains("COST"), "{history}");
    let line = |id: &str| history.lines().find(|l| l.contains(id)).unwrap().to_owned();
    assert!(line("r1").contains("$0.00045"), "{history}");
    assert!(line("r2").contains('—'), "{history}");

    let show = env.ok(&["show", "r1"]);
    assert!(
        show.contains("cost:       $0.00045 (genai-prices: openai/gpt-4o-mini)"),
        "{show}"
    );
    let show = env.ok(&["show", "r2"]);
    assert!(show.contains("a self-hosted model"), "{show}");

    let stats = env.json(&["stats", "--json"]);
    assert!((stats["cost_usd"].as_f64().unwrap() - 0.00045).abs() < 1e-12);
    assert_eq!(stats["priced_runs"], 1);
    let text = env.ok(&["stats"]);
    assert!(
        text.contains("cost: $0.00045 (1 run without a price not counted)"),
        "{text}"
    );
    assert!(text.contains("PER 1K"), "{text}");

    let csv = env.ok(&["export", "--format", "csv"]);
    assert!(csv.lines().next().unwrap().contains(",cost_usd,"), "{csv}");
    assert!(csv.contains("0.00045"), "{csv}");
}

#[test]
fn user_prices_are_set_listed_applied_by_reprice_and_removed() {
    let env = Env::new();
    import_runs(
        &env,
        &[run_line(
            "r1",
            "ollama",
            "llama3.2:latest",
            (1_000_000, 1_000_000),
        )],
    );
    assert_eq!(cost(&env, "r1"), Value::Null);

    let out = env.run(&[
        "prices",
        "set",
        "ollama/llama3.2:latest",
        "--input",
        "0.5",
        "--output",
        "1.5",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("promptline reprice"),
        "{}",
        stderr(&out)
    );
    let list = env.json(&["prices", "list", "--json"]);
    assert_eq!(list["user_prices"][0]["provider"], "ollama");
    assert_eq!(list["user_prices"][0]["model"], "llama3.2:latest");
    assert_eq!(list["table"]["source"], "bundled");
    // Not applied to past runs until repriced.
    assert_eq!(cost(&env, "r1"), Value::Null);
    let out = env.ok(&["reprice", "--model", "llama3.2:latest"]);
    assert!(out.contains("Priced 1 run again."), "{out}");
    assert_eq!(cost(&env, "r1").as_f64(), Some(2.0));
    assert!(env
        .ok(&["show", "r1"])
        .contains("your price for ollama/llama3.2:latest"));

    env.ok(&["prices", "rm", "llama3.2:latest", "--provider", "ollama"]);
    let out = env.run(&["prices", "rm", "llama3.2:latest", "--provider", "ollama"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("you set no price for ollama/llama3.2:latest"));
    env.ok(&["reprice"]);
    assert_eq!(cost(&env, "r1"), Value::Null);

    let out = env.run(&["prices", "set", "x", "--input=-1", "--output", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("0 or more"), "{}", stderr(&out));
}

#[test]
fn the_monthly_budget_is_set_shown_and_cleared() {
    let env = Env::new();
    assert!(env.ok(&["prices", "budget"]).contains("No monthly budget"));
    assert!(env
        .ok(&["prices", "budget", "20"])
        .contains("$20.00 a month"));
    assert!(env
        .ok(&["prices", "budget"])
        .contains("Monthly budget: $20.00; spent this month: $0.00"));
    let out = env.run(&["prices", "budget", "lots"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not an amount"));
    env.ok(&["prices", "budget", "off"]);
    assert!(env.json(&["prices", "list", "--json"])["budget"].is_null());
}

#[test]
fn prices_update_downloads_a_data_file_and_says_when_it_cannot() {
    let env = Env::new();
    import_runs(
        &env,
        &[run_line(
            "r1",
            "openai",
            "gpt-4o-mini",
            (1_000_000, 1_000_000),
        )],
    );
    assert!((cost(&env, "r1").as_f64().unwrap() - 0.75).abs() < 1e-12);

    let url = serve("200 OK", DATA_FILE);
    let out = env.ok(&["prices", "update", "--url", &url]);
    assert!(out.contains("1 models of 1 providers"), "{out}");
    let list = env.json(&["prices", "list", "--json"]);
    assert_eq!(list["table"]["source"], "downloaded");
    assert_eq!(list["table"]["url"], url.as_str());
    env.ok(&["reprice"]);
    assert_eq!(cost(&env, "r1").as_f64(), Some(18.0));

    // Failures leave the table in use as it was, and say so.
    for (bad, why) in [
        (serve("404 Not Found", "{}"), "HTTP 404 Not Found"),
        (
            serve("200 OK", "{\"not\": \"prices\"}"),
            "not genai-prices data",
        ),
    ] {
        let out = env.run(&["prices", "update", "--url", &bad]);
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(err.contains(why), "{err}");
        assert!(err.contains("The prices in use are unchanged"), "{err}");
    }
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/data.json", listener.local_addr().unwrap())
    };
    let out = env.run(&["prices", "update", "--url", &closed]);
    assert!(stderr(&out).contains("cannot connect"), "{}", stderr(&out));
    assert_eq!(
        env.json(&["prices", "list", "--json"])["table"]["source"],
        "downloaded"
    );

    env.ok(&["prices", "update", "--bundled"]);
    env.ok(&["reprice"]);
    assert!((cost(&env, "r1").as_f64().unwrap() - 0.75).abs() < 1e-12);
}
