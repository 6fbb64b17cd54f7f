//! The commands driven through Tauri's IPC on the mock runtime, as the UI calls them.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Listener, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::app_builder;

struct Harness {
    /// The database's folder (a real file, opened as the app opens it at start-up).
    _dir: tempfile::TempDir,
    _app: tauri::App<tauri::test::MockRuntime>,
    window: WebviewWindow<tauri::test::MockRuntime>,
    finished: std::sync::mpsc::Receiver<Value>,
    streamed: std::sync::Arc<std::sync::Mutex<String>>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = tauri::async_runtime::block_on(crate::open_store(&dir.path().join("app.db")))
        .expect("store");
    // The real configuration and capabilities, so the commands' permissions are checked too.
    let app = app_builder(mock_builder(), store)
        .build(tauri::generate_context!("tauri.conf.json", test = true))
        .expect("app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    let (tx, finished) = std::sync::mpsc::channel();
    app.listen_any(crate::ipc::RUN_FINISHED, move |event| {
        let _ = tx.send(serde_json::from_str(event.payload()).expect("payload"));
    });
    let streamed = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = streamed.clone();
    app.listen_any(crate::ipc::RUN_EVENT, move |event| {
        let payload: Value = serde_json::from_str(event.payload()).expect("payload");
        if let Some(text) = payload["text"].as_str() {
            sink.lock().expect("lock").push_str(text);
        }
    });
    Harness {
        _dir: dir,
        _app: app,
        window,
        finished,
        streamed,
    }
}

impl Harness {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: self.window.url().expect("window url"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.window, request)
            .map(|body| body.deserialize::<Value>().expect("json body"))
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn wait_finished(&self) -> Value {
        self.finished
            .recv_timeout(Duration::from_secs(10))
            .expect("run-finished event")
    }
}

fn all_runs() -> Value {
    json!({"prompt_id": null, "models": [], "statuses": [], "since": null, "until": null, "query": null})
}

#[test]
fn first_launch_has_the_sample_prompt() {
    let h = harness();
    let prompts = h.ok("list_prompts", json!({"search": null}));
    assert_eq!(prompts.as_array().map(Vec::len), Some(1));
    assert!(prompts[0]["template"]
        .as_str()
        .unwrap_or_default()
        .contains("{{topic}}"));
    assert_eq!(prompts[0]["run_count"], 0);
}

#[test]
fn every_connection_the_app_opens_runs_with_synchronous_full() {
    let h = harness();
    let state = h._app.state::<crate::AppState>();
    let settings =
        tauri::async_runtime::block_on(state.store.connection_settings()).expect("settings");
    assert!(settings.len() >= 2, "{settings:?}");
    for connection in settings {
        assert_eq!(
            connection.synchronous,
            promptline_core::store::durability::ConnectionSettings::FULL,
            "{connection:?}"
        );
        assert_eq!(connection.journal_mode, "wal");
        assert!(connection.foreign_keys);
    }
}

#[test]
fn a_run_streams_is_recorded_and_can_be_found_expanded_and_deleted() {
    let h = harness();
    let prompt = h.ok(
        "create_prompt",
        json!({"input": {"name": "Greeting", "template": "Say hello to {{who}}", "default_model": "echo"}}),
    );
    let id = prompt["id"].as_str().expect("id").to_owned();
    let run_id = h.ok(
        "start_run",
        json!({"request": {"prompt_id": id, "template": "Say hello to {{who}}", "variables": {"who": "Ada"},
               "model": "echo", "timeout_secs": 30, "params": null}}),
    );
    let finished = h.wait_finished();
    assert_eq!(finished["run_id"], run_id);
    assert_eq!(finished["run"]["status"], "success");
    assert_eq!(
        h.streamed.lock().expect("lock").as_str(),
        "Say hello to Ada"
    );

    let mut filter = all_runs();
    filter["prompt_id"] = json!(id);
    filter["query"] = json!("Ada");
    let page = h.ok(
        "runs_page",
        json!({"filter": filter, "cursor": null, "limit": 50}),
    );
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(h.ok("count_runs", json!({"filter": filter})), 1);
    let run = h.ok("get_run", json!({"id": run_id}));
    assert_eq!(run["response"], "Say hello to Ada");
    assert_eq!(run["variables"]["who"], "Ada");

    let models = h.ok("list_models", json!({}));
    assert_eq!(models[0]["id"], "echo");
    assert_eq!(models[0]["runs"], 1);

    assert_eq!(h.ok("prompt_run_count", json!({"id": id})), 1);
    let deletion = h.ok("delete_prompt", json!({"id": id}));
    assert_eq!(
        (deletion["runs"].clone(), deletion["prompts"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(h.ok("count_runs", json!({"filter": all_runs()})), 0);
    // Undo puts the prompt and its run back, the same run.
    h.ok("undo_deletion", json!({"id": deletion["id"]}));
    assert_eq!(h.ok("count_runs", json!({"filter": all_runs()})), 1);
    assert_eq!(
        h.ok("get_run", json!({"id": run_id}))["response"],
        "Say hello to Ada"
    );
    assert_eq!(h.ok("get_prompt", json!({"id": id}))["name"], "Greeting");
}

#[test]
fn errors_cross_as_code_and_message() {
    let h = harness();
    let missing = h
        .call("get_prompt", json!({"id": "nope"}))
        .expect_err("no such prompt");
    assert_eq!(missing["code"], "not_found");

    let unknown_provider = h
        .call(
            "start_run",
            json!({"request": {"prompt_id": null, "template": "hi", "variables": {},
                   "model": "nowhere/model", "timeout_secs": null, "params": null}}),
        )
        .expect_err("no such provider");
    assert_eq!(unknown_provider["code"], "not_found");
    assert!(unknown_provider["message"]
        .as_str()
        .unwrap_or_default()
        .contains("Settings > Providers"));

    h.ok(
        "add_provider",
        json!({"input": {"name": "keyless-test", "kind": "openai", "base_url": "http://127.0.0.1:9/v1",
               "key_env": "PROMPTLINE_TEST_VARIABLE_THAT_IS_NEVER_SET"}}),
    );
    let no_key = h
        .call(
            "start_run",
            json!({"request": {"prompt_id": null, "template": "hi", "variables": {},
                   "model": "keyless-test/some-model", "timeout_secs": null, "params": null}}),
        )
        .expect_err("no key");
    assert_eq!(no_key["code"], "missing_key");
    assert_eq!(
        no_key["message"],
        "No API key for keyless-test at http://127.0.0.1:9. Add one in Settings > Providers \
         (or set PROMPTLINE_TEST_VARIABLE_THAT_IS_NEVER_SET, which takes precedence over a stored key)."
    );

    let missing_var = h
        .call(
            "start_run",
            json!({"request": {"prompt_id": null, "template": "{{topic}}", "variables": {},
                   "model": "echo", "timeout_secs": null, "params": null}}),
        )
        .expect_err("missing variable");
    assert_eq!(missing_var["code"], "missing_variable");

    let bad_cursor = h
        .call(
            "runs_page",
            json!({"filter": all_runs(), "cursor": "garbage", "limit": 10}),
        )
        .expect_err("bad cursor");
    assert_eq!(bad_cursor["code"], "invalid_input");
}

#[test]
fn cancel_of_a_finished_run_says_so_and_export_writes_the_filter() {
    let h = harness();
    h.ok(
        "start_run",
        json!({"request": {"prompt_id": null, "template": "one two three", "variables": {},
               "model": "echo", "timeout_secs": null, "params": {"temperature": 0.2}}}),
    );
    let finished = h.wait_finished();
    let run_id = finished["run_id"].clone();
    assert_eq!(h.ok("cancel_run", json!({"id": run_id})), false);

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("runs.jsonl");
    let started = Instant::now();
    let count = h.ok(
        "export_runs",
        json!({"filter": all_runs(), "format": "jsonl", "path": path.to_string_lossy()}),
    );
    assert_eq!(count, 1);
    assert!(started.elapsed() < Duration::from_secs(5));
    let text = std::fs::read_to_string(&path).expect("export file");
    assert!(text.contains("\"temperature\":0.2"), "{text}");

    let bad_format = h
        .call(
            "export_runs",
            json!({"filter": all_runs(), "format": "xml", "path": path.to_string_lossy()}),
        )
        .expect_err("unknown format");
    assert_eq!(bad_format["code"], "invalid_input");

    assert_eq!(
        h.ok("delete_matching_runs", json!({"filter": all_runs()}))["runs"],
        1
    );
}

#[test]
fn settings_team_connects_shares_and_syncs_with_a_real_server() {
    let cluster = promptline_pgtest::TempCluster::start();
    cluster.superuser_sql(
        "postgres",
        "CREATE ROLE team_admin LOGIN CREATEROLE PASSWORD 'admin-pw'",
    );
    cluster.superuser_sql("postgres", "CREATE DATABASE team OWNER team_admin");
    let admin = cluster.url("team_admin", "admin-pw", "team");
    // Unique per run: the keychain is the machine's.
    let password = format!("app-alice-{}", cluster.port());
    tauri::async_runtime::block_on(async {
        promptline_core::sync::admin::init(&admin)
            .await
            .expect("init");
        let key = promptline_core::keys::ApiKey::new(password.clone()).expect("password");
        promptline_core::sync::admin::add_user(&admin, "alice", &key)
            .await
            .expect("add alice");
    });
    let h = harness();
    assert!(h.ok("team_status", json!({}))["link"].is_null());
    let prompts = h.ok("list_prompts", json!({"search": null}));
    let id = prompts[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        h.ok("share_prompt", json!({"id": id, "shared": true}))["shared"],
        true
    );

    let refused = h.call(
        "team_connect",
        json!({"url": format!("postgres://alice@127.0.0.1:{}/team", cluster.port()), "password": "wrong-pw-123"}),
    );
    let refused = refused
        .expect_err("a wrong password is refused")
        .to_string();
    assert!(!refused.contains("wrong-pw-123"), "{refused}");
    assert!(h.ok("team_status", json!({}))["link"].is_null());

    let url = format!("postgres://alice@127.0.0.1:{}/team", cluster.port());
    let status = h.ok("team_connect", json!({"url": url, "password": password}));
    assert!(!status.to_string().contains(&password));
    assert_eq!(status["link"]["user_name"], "alice");
    assert!(status["link"]["last_error"].is_null(), "{status}");
    assert!(!status["link"]["last_sync_at"].is_null());
    assert_eq!(status["waiting"]["prompts"], 0, "connecting syncs once");
    let shared = cluster.superuser_sql(
        "team",
        &format!("SELECT count(*) FROM promptline.prompts WHERE shared AND id = '{id}'"),
    );
    assert_eq!(shared, "1");

    let mut mine = all_runs();
    mine["whose"] = json!("team");
    let page = h.ok(
        "runs_page",
        json!({"filter": mine, "cursor": null, "limit": 50}),
    );
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        h.ok("team_sync", json!({}))["link"]["last_error"],
        Value::Null
    );
    assert!(h.ok("team_disconnect", json!({}))["link"].is_null());
}

#[test]
fn runs_are_rated_tagged_compared_and_tidied_over_ipc() {
    let h = harness();
    let mut ids = Vec::new();
    for who in ["Ada", "Grace"] {
        h.ok(
            "start_run",
            json!({"request": {"prompt_id": null, "template": format!("Say hello to {who}"), "variables": {},
                   "model": "echo", "timeout_secs": 30, "params": null}}),
        );
        ids.push(h.wait_finished()["run_id"].as_str().expect("id").to_owned());
    }
    let (a, b) = (&ids[0], &ids[1]);
    assert_eq!(
        h.ok("set_rating", json!({"id": b, "rating": "up"}))["rating"],
        "up"
    );
    let tagged = h.ok("add_tags", json!({"id": b, "tags": ["winner", "keep"]}));
    assert_eq!(tagged["tags"], json!(["keep", "winner"]));
    assert_eq!(
        h.ok("set_note", json!({"id": b, "note": "the best"}))["note"],
        "the best"
    );
    assert_eq!(h.ok("tags_in_use", json!({}))[0]["runs"], 1);
    assert_eq!(
        h.ok("remove_tags", json!({"id": b, "tags": ["keep"]}))["tags"],
        json!(["winner"])
    );

    let mut filter = all_runs();
    filter["tags"] = json!(["winner"]);
    let page = h.ok(
        "runs_page",
        json!({"filter": filter, "cursor": null, "limit": 50}),
    );
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["items"][0]["note"], "the best");
    filter["tags"] = json!([]);
    filter["ratings"] = json!(["none"]);
    assert_eq!(h.ok("count_runs", json!({"filter": filter})), 1);

    assert_eq!(h.ok("previous_run", json!({"id": b}))["id"], a.as_str());
    assert_eq!(h.ok("previous_run", json!({"id": a})), Value::Null);
    let fields = h.ok("compare_fields", json!({"a": a, "b": b}));
    let rating = fields
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["field"] == "rating")
        .expect("rating row");
    assert_eq!(
        (rating["a"].as_str(), rating["b"].as_str()),
        (Some("—"), Some("up"))
    );

    let rule = json!({"prompt_id": null, "keep_days": null, "keep_runs": 1, "max_mb": null});
    let plan = h.ok("plan_retention", json!({"candidate": rule}));
    assert_eq!(
        plan["runs"], 1,
        "the run rated up stays; the other ad-hoc run goes"
    );
    assert_eq!(plan["run_ids"], json!([]));
    let saved = h.ok("set_retention_rule", json!({"rule": rule}));
    assert_eq!(h.ok("retention_rules", json!({}))[0]["id"], saved["id"]);
    assert_eq!(h.ok("apply_retention", json!({}))["deleted"], 1);
    let report = h.ok("storage_report", json!({}));
    assert_eq!(report["runs"], 1);
    h.ok("compact", json!({}));
    h.ok("remove_retention_rule", json!({"id": saved["id"]}));
    assert_eq!(h.ok("retention_rules", json!({})), json!([]));
}

/// Writes `datagen/gen_llm_logs.py -n N` (llm 0.36's logs.db, row for row) to `path`.
fn generate_llm_logs(n: usize, path: &std::path::Path) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datagen/gen_llm_logs.py");
    let status = std::process::Command::new("python3")
        .arg(script)
        .args(["-n", &n.to_string(), "-o"])
        .arg(path)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs");
    assert!(status.success(), "gen_llm_logs.py failed");
}

#[test]
fn llms_logs_db_is_offered_then_imported_with_progress_and_its_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let llm_home = dir.path().join("llm");
    std::fs::create_dir_all(&llm_home).expect("llm home");
    let logs = llm_home.join("logs.db");
    generate_llm_logs(300, &logs);
    // The only test that reads LLM_USER_PATH (the offer looks where llm keeps its files).
    std::env::set_var("LLM_USER_PATH", &llm_home);
    let h = harness();
    let progress = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let sink = progress.clone();
    h.window
        .listen_any(crate::import::IMPORT_PROGRESS, move |event| {
            sink.lock()
                .expect("lock")
                .push(serde_json::from_str(event.payload()).expect("payload"));
        });

    let offer = h.ok("llm_import_offer", json!({}));
    assert_eq!(offer["path"], logs.display().to_string());
    assert!(offer["bytes"].as_u64().unwrap_or(0) > 0);

    let path = logs.display().to_string();
    let imported = h.ok("import_file", json!({"path": path}));
    assert_eq!(imported["format"], "llm");
    let added = imported["runs_added"].as_u64().expect("runs added");
    assert!(added > 250, "{imported}");
    assert_eq!(imported["runs_skipped"], 0);
    assert!(imported["threads"].as_u64().unwrap_or(0) > 100);
    assert!(imported["first_at"].is_string() && imported["last_at"].is_string());
    let events = progress.lock().expect("lock").clone();
    let last = events.last().expect("progress events");
    assert_eq!(last["unit"], "runs");
    assert_eq!(last["done"], last["total"]);
    assert_eq!(last["total"].as_u64(), Some(added));

    // Offered no more, and the history knows its source and threads.
    assert_eq!(h.ok("llm_import_offer", json!({})), Value::Null);
    let sources = h.ok("list_sources", json!({}));
    assert!(sources
        .as_array()
        .expect("sources")
        .iter()
        .any(|s| s["source"] == "llm" && s["runs"].as_u64() == Some(added)));
    let mut filter = all_runs();
    filter["sources"] = json!(["llm"]);
    assert_eq!(h.ok("count_runs", json!({"filter": filter})), json!(added));
    let page = h.ok(
        "runs_page",
        json!({"filter": filter, "cursor": null, "limit": 200}),
    );
    let follow_up = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find_map(|r| {
            let run = h.ok("get_run", json!({"id": r["id"]}));
            (!run["context"].as_array().expect("context").is_empty()).then_some(run)
        })
        .expect("a follow-up among the newest 200");
    let thread = h.ok("thread_runs", json!({"threadId": follow_up["thread_id"]}));
    let thread = thread.as_array().expect("thread");
    assert!(thread.len() >= 2);
    assert!(thread.iter().any(|r| r["id"] == follow_up["id"]));

    // Again: nothing new. A file that is not one: refused, nothing changes.
    let again = h.ok("import_file", json!({"path": path}));
    assert_eq!(again["runs_added"], 0);
    let foreign = dir.path().join("foreign.db");
    std::fs::write(&foreign, b"SQLite format 3\0 but not really").expect("write");
    let err = h
        .call(
            "import_file",
            json!({"path": foreign.display().to_string()}),
        )
        .expect_err("refused");
    assert_eq!(err["code"], "bad_import", "{err}");
    assert_eq!(h.ok("count_runs", json!({"filter": filter})), json!(added));
}

/// Settings > Integrations: the form's headers go to the keychain and never come back; a run is
/// sent by the background export as soon as it is recorded; off stops it.
#[test]
fn integrations_send_runs_in_the_background_and_never_show_header_values() {
    const SECRET: &str = "app-otlp-secret-93c1";
    let h = harness();
    let receiver = tauri::async_runtime::block_on(crate::otlp::Receiver::start());
    assert_eq!(h.ok("otel_status", json!({}))["state"], "off");
    let bad = h
        .call(
            "otel_save",
            json!({"input": {"endpoint": "localhost:4318", "headers": null, "capture_content": false}}),
        )
        .expect_err("not a URL");
    assert!(bad["message"]
        .as_str()
        .unwrap_or_default()
        .contains("http://localhost:4318/v1/traces"));
    let status = h.ok(
        "otel_save",
        json!({"input": {"endpoint": receiver.url, "capture_content": false,
               "headers": [{"name": "Authorization", "value": format!("Bearer {SECRET}")}]}}),
    );
    assert_eq!(status["endpoint"], receiver.url.as_str());
    assert_eq!(status["header_names"], json!(["Authorization"]));
    assert!(!status.to_string().contains(SECRET));

    h.ok(
        "start_run",
        json!({"request": {"prompt_id": null, "template": "sent in the background", "variables": {},
               "model": "echo", "timeout_secs": 30, "params": null}}),
    );
    assert_eq!(h.wait_finished()["run"]["status"], "success");
    let sent = tauri::async_runtime::block_on(receiver.wait_for(1, Duration::from_secs(10)));
    assert_eq!(sent, 1, "the background export sent the run");
    let request = receiver.requests().pop().expect("a request");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {SECRET}").as_str())
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        let status = h.ok("otel_status", json!({}));
        if status["state"] == "connected" || Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status["state"], "connected");
    assert_eq!(status["waiting"], 0);
    assert!(!status.to_string().contains(SECRET));

    assert_eq!(h.ok("otel_off", json!({})), json!(0));
    assert_eq!(h.ok("otel_status", json!({}))["state"], "off");
}

#[test]
fn prices_are_set_applied_and_the_budget_warns() {
    let h = harness();
    let settings = h.ok("price_settings", json!({}));
    assert_eq!(settings["table"]["source"], "bundled");
    assert_eq!(settings["user_prices"], json!([]));

    // Echo runs are free: a run recorded through the app carries its cost.
    h.ok(
        "start_run",
        json!({"request": {"prompt_id": null, "template": "one two three", "variables": {},
               "model": "echo", "timeout_secs": 30, "params": null}}),
    );
    let finished = h.wait_finished();
    assert_eq!(finished["run"]["cost_usd"], 0.0);
    assert_eq!(finished["run"]["cost_source"], "free");

    let price = h.ok(
        "set_user_price",
        json!({"input": {"provider": "", "model": "gpt-4o-mini", "input_per_mtok": 0.1,
               "output_per_mtok": 0.4, "cached_per_mtok": null}}),
    );
    assert_eq!(price["model"], "gpt-4o-mini");
    assert_eq!(
        h.ok("price_settings", json!({}))["user_prices"][0]["input_per_mtok"],
        0.1
    );
    assert_eq!(h.ok("reprice_runs", json!({"filter": all_runs()})), 1);
    assert_eq!(
        h.ok(
            "remove_user_price",
            json!({"provider": "", "model": "gpt-4o-mini"})
        ),
        true
    );

    assert_eq!(
        h.ok("budget_status", json!({"utcOffsetMinutes": 0})),
        Value::Null
    );
    h.ok("set_monthly_budget", json!({"usd": 5.0}));
    let status = h.ok("budget_status", json!({"utcOffsetMinutes": 0}));
    assert_eq!(status["budget_usd"], 5.0);
    assert_eq!(status["exceeded"], false);
    let bad = h
        .call("set_monthly_budget", json!({"usd": -1.0}))
        .unwrap_err();
    assert_eq!(bad["code"], "invalid_input");
}

#[test]
fn a_base_url_on_another_origin_leaves_the_key_unless_a_move_is_confirmed() {
    let h = harness();
    let name = format!("bound{}", std::process::id());
    let input =
        |url: &str| json!({"name": name, "kind": "openai", "base_url": url, "key_env": null});
    h.ok(
        "add_provider",
        json!({"input": input("http://127.0.0.1:9/v1")}),
    );
    h.ok(
        "set_provider_key",
        json!({"name": name, "key": "sk-app-test"}),
    );
    let find = |h: &Harness| -> Value {
        let listed = h.ok("list_providers", json!({}));
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name.as_str())
            .unwrap()
            .clone()
    };
    let info = find(&h);
    assert_eq!(info["key_source"], "keychain");
    assert_eq!(info["key_origin"], "http://127.0.0.1:9");

    // A path on the same origin keeps the key: nothing to ask.
    let same = h.ok(
        "key_move_question",
        json!({"name": name, "baseUrl": "http://127.0.0.1:9/v2"}),
    );
    assert_eq!(same, Value::Null);
    // Another port is another origin: the app asks, naming both.
    let question = h.ok(
        "key_move_question",
        json!({"name": name, "baseUrl": "http://127.0.0.1:10/v1"}),
    );
    assert_eq!(
        question,
        json!({"from": "http://127.0.0.1:9", "to": "http://127.0.0.1:10"})
    );

    // Saved without the move: the key stays with the old origin.
    h.ok(
        "update_provider",
        json!({"name": name, "input": input("http://127.0.0.1:10/v1")}),
    );
    let info = find(&h);
    assert_eq!(info["key_source"], "none");
    assert_eq!(info["key_stored"], false);
    assert_eq!(info["keys_elsewhere"], json!(["http://127.0.0.1:9"]));

    // Back, then to the new origin with the move confirmed: the key goes along.
    h.ok(
        "update_provider",
        json!({"name": name, "input": input("http://127.0.0.1:9/v1")}),
    );
    h.ok(
        "update_provider",
        json!({"name": name, "input": input("http://127.0.0.1:10/v1"), "moveKey": true}),
    );
    let info = find(&h);
    assert_eq!(info["key_source"], "keychain");
    assert_eq!(info["key_origin"], "http://127.0.0.1:10");
    assert_eq!(info["keys_elsewhere"], json!([]));

    h.ok("remove_provider", json!({"name": name}));
    let keys = promptline_core::secrets::Vault::list().unwrap();
    assert!(keys.iter().all(|k| k.binding.owner != name), "{keys:?}");
}

/// The native menu: File, Edit, View and Help with the items the issue names, in order.
#[test]
fn the_menu_has_file_edit_view_and_help() {
    let h = harness();
    let menu = crate::desktop::menu(&h._app).expect("menu");
    let mut seen = Vec::new();
    for top in menu.items().expect("items") {
        let submenu = top.as_submenu().expect("a submenu").clone();
        let items: Vec<(String, String)> = submenu
            .items()
            .expect("items")
            .iter()
            .filter_map(|item| match item {
                tauri::menu::MenuItemKind::MenuItem(i) => {
                    Some((i.id().0.clone(), i.text().expect("text")))
                }
                tauri::menu::MenuItemKind::Predefined(p) => {
                    let text = p.text().expect("text");
                    (!text.is_empty()).then(|| ("predefined".to_owned(), text))
                }
                _ => None,
            })
            .collect();
        seen.push((submenu.text().expect("text"), items));
    }
    let named = |items: &[(String, String)]| -> Vec<String> {
        items.iter().map(|(_, text)| text.clone()).collect()
    };
    assert_eq!(
        seen.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["File", "Edit", "View", "Help"]
    );
    assert_eq!(
        seen[0].1,
        [
            ("new-prompt".to_owned(), "New prompt".to_owned()),
            ("import".to_owned(), "Import…".to_owned()),
            ("export".to_owned(), "Export…".to_owned()),
            ("quit".to_owned(), "Quit".to_owned()),
        ]
    );
    assert!(named(&seen[1].1).len() >= 4, "Edit: {:?}", seen[1].1);
    assert_eq!(
        seen[2].1,
        [
            ("all-runs".to_owned(), "All runs".to_owned()),
            ("analytics".to_owned(), "Analytics".to_owned()),
        ]
    );
    assert_eq!(named(&seen[3].1), ["About Promptline"]);
    let about = crate::desktop::about_metadata(env!("CARGO_PKG_VERSION"));
    assert_eq!(about.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
    // The UI acts on exactly the File and View items the menu has (Quit is the shell's).
    let ids: Vec<&str> = seen[0]
        .1
        .iter()
        .chain(&seen[2].1)
        .map(|(id, _)| id.as_str())
        .collect();
    let mut expected: Vec<&str> = crate::desktop::MENU_ITEMS.to_vec();
    expected.push(crate::desktop::QUIT);
    let (mut a, mut b) = (ids.clone(), expected);
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
}

/// A menu item reaches the page as the `menu` event with its id; nothing else does.
#[test]
fn menu_items_reach_the_ui_as_events() {
    let h = harness();
    let (tx, rx) = std::sync::mpsc::channel();
    h._app.listen_any(crate::desktop::MENU_EVENT, move |event| {
        let _ = tx.send(event.payload().to_owned());
    });
    crate::desktop::on_menu(h._app.handle(), "analytics");
    crate::desktop::on_menu(h._app.handle(), "nothing-such");
    crate::desktop::on_menu(h._app.handle(), "all-runs");
    let got: Vec<String> = (0..2)
        .map(|_| rx.recv_timeout(Duration::from_secs(5)).expect("event"))
        .collect();
    assert_eq!(got, ["\"analytics\"", "\"all-runs\""]);
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn run_panel_controls_save_params_versions_memory_and_settings() {
    let h = harness();
    let prompt = h.ok(
        "create_prompt",
        json!({"input": {"name": "Pirate", "template": "Greet {{who}}", "default_model": "echo",
               "params": {"system": "Talk like a pirate", "temperature": 0.4}}}),
    );
    let id = prompt["id"].as_str().expect("id").to_owned();
    assert_eq!(prompt["version"], 1);
    assert_eq!(prompt["params"]["temperature"], 0.4);
    // The autosave while typing amends version 1 (it never ran).
    let saved = h.ok(
        "update_prompt",
        json!({"id": id, "input": {"name": "Pirate", "template": "Greet {{who}} warmly", "default_model": "echo",
               "params": {"system": "Talk like a pirate", "temperature": 0.4, "max_tokens": 2}}}),
    );
    assert_eq!(saved["version"], 1);
    let start = |template: &str, params: Value| {
        h.ok(
            "start_run",
            json!({"request": {"prompt_id": id, "template": template, "variables": {"who": "Ada"},
                   "model": "echo", "timeout_secs": null, "params": params}}),
        );
        h.wait_finished()
    };
    let first = start("Greet {{who}} warmly", saved["params"].clone());
    let run = h.ok("get_run", json!({"id": first["run_id"]}));
    assert_eq!(run["prompt_version"], 1);
    assert_eq!(run["params"]["max_tokens"], 2);
    assert_eq!(run["response"], "Greet Ada", "echo honours max_tokens");
    // Version 1 ran: the next edit keeps it.
    let v2 = h.ok(
        "update_prompt",
        json!({"id": id, "input": {"name": "Pirate", "template": "Hail {{who}}", "default_model": "echo", "params": null}}),
    );
    assert_eq!(v2["version"], 2);
    assert_eq!(
        v2["params"]["system"], "Talk like a pirate",
        "null params keep the saved ones"
    );
    let second = start("Hail {{who}}", v2["params"].clone());
    assert_eq!(
        h.ok("get_run", json!({"id": second["run_id"]}))["prompt_version"],
        2
    );
    let versions = h.ok("prompt_versions", json!({"id": id}));
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[1]["template"], "Greet {{who}} warmly");
    assert_eq!(versions[1]["run_count"], 1);
    let mut filter = all_runs();
    filter["prompt_id"] = json!(id);
    filter["prompt_version"] = json!(1);
    let page = h.ok(
        "runs_page",
        json!({"filter": filter, "cursor": null, "limit": 50}),
    );
    assert_eq!(page["items"][0]["id"], first["run_id"]);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));

    let memory = json!({"variables": {"who": "Ada"}, "models": ["echo", "local/x"],
                        "extra_models": ["local/x"], "timeout_secs": 12});
    h.ok("save_prompt_memory", json!({"id": id, "memory": memory}));
    assert_eq!(h.ok("prompt_memory", json!({"id": id})), memory);
    let copy = h.ok("duplicate_prompt", json!({"id": id}));
    assert_eq!(copy["name"], "Pirate (copy)");
    assert_eq!(copy["template"], "Hail {{who}}");
    assert_eq!(
        h.ok("prompt_memory", json!({"id": copy["id"]}))["variables"]["who"],
        "Ada"
    );

    assert_eq!(h.ok("user_settings", json!({}))["theme"], "system");
    let settings = json!({"default_model": "echo", "default_timeout_secs": 30, "theme": "dark"});
    assert_eq!(
        h.ok("save_user_settings", json!({"settings": settings})),
        settings
    );
    assert_eq!(h.ok("user_settings", json!({})), settings);
    let bad = h
        .call(
            "save_user_settings",
            json!({"settings": {"default_model": "gpt-4o", "default_timeout_secs": null, "theme": "light"}}),
        )
        .expect_err("not a model address");
    assert_eq!(bad["code"], "invalid_input");
}

#[test]
fn a_big_response_is_read_as_a_head_and_pieces_and_copied_whole_from_the_shell() {
    let h = harness();
    // Multi-byte text (CJK, emoji, accents) past the head, so pieces have edges to get wrong.
    let text = "日本語 🦀 naïve ✅ ".repeat(8_000);
    let chars = text.chars().count() as i64;
    assert!(chars > crate::commands::HEAD_CHARS);
    let run_id = h.ok(
        "start_run",
        json!({"request": {"prompt_id": null, "template": text, "variables": {},
               "model": "echo", "timeout_secs": 30, "params": null}}),
    );
    assert_eq!(h.wait_finished()["run"]["status"], "success");

    let head = h.ok("get_run_head", json!({"id": run_id}));
    assert_eq!(head["response_total_chars"], chars);
    let mut joined = head["run"]["response"].as_str().expect("head").to_owned();
    assert_eq!(joined.chars().count() as i64, crate::commands::HEAD_CHARS);
    assert_eq!(head["run"]["prompt_text"], text);
    while (joined.chars().count() as i64) < chars {
        let piece = h.ok(
            "response_piece",
            json!({"id": run_id, "startChar": joined.chars().count(), "maxChars": 10_007}),
        );
        let piece = piece.as_str().expect("piece");
        assert!(!piece.is_empty());
        joined.push_str(piece);
    }
    assert_eq!(joined, text);
    // Past the end: empty. More than the cap: the cap.
    assert_eq!(
        h.ok(
            "response_piece",
            json!({"id": run_id, "startChar": chars, "maxChars": 10})
        ),
        ""
    );
    let capped = h.ok(
        "response_piece",
        json!({"id": run_id, "startChar": 0, "maxChars": i64::MAX}),
    );
    assert_eq!(
        capped.as_str().map(|s| s.chars().count() as i64),
        Some(chars)
    );

    let unknown = h
        .call("get_run_head", json!({"id": "no-such-run"}))
        .expect_err("unknown run");
    assert_eq!(unknown["code"], "not_found");
    let unknown = h
        .call(
            "copy_run_text",
            json!({"id": "no-such-run", "what": "response"}),
        )
        .expect_err("unknown run");
    assert_eq!(unknown["code"], "not_found");
    let bad = h
        .call("copy_run_text", json!({"id": run_id, "what": "everything"}))
        .expect_err("bad what");
    assert_eq!(bad["code"], "invalid_input");

    // The clipboard needs a display: under one (xvfb-run) the copy must land whole; without one
    // it must say the clipboard failed, not pretend it copied.
    let copied = h.call("copy_run_text", json!({"id": run_id, "what": "response"}));
    if std::env::var_os("DISPLAY").is_some() {
        assert_eq!(copied.expect("copied"), chars);
        use tauri_plugin_clipboard_manager::ClipboardExt;
        assert_eq!(h._app.clipboard().read_text().expect("read back"), text);
        assert_eq!(
            h.ok("copy_run_text", json!({"id": run_id, "what": "prompt"})),
            chars
        );
    } else {
        assert_eq!(copied.expect_err("no display")["code"], "clipboard");
    }
}
