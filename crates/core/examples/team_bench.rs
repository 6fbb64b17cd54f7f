//! The team sync benchmark (run by `bench/team.sh`, results in bench/RESULTS.md): a real
//! PostgreSQL server (a throw-away cluster with the default fsync and synchronous commit), a
//! member pushing a history of runs, an incremental sync with nothing new, a teammate pulling,
//! and the team history page (newest 50 of a shared prompt, under row-level security) at 10,000
//! to 1,000,000 server rows. Each figure is set beside its limit, or beside what a bare `COPY`
//! of the same rows into an unprotected copy of the table costs on the same server.
//!
//! `cargo run --release -p promptline-core --example team_bench -- RUNS.jsonl [SIZES]`
//! SIZES: comma-separated server row counts for the page, default 10000,100000,1000000.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use promptline_core::keys::ApiKey;
use promptline_core::sync::url::TeamUrl;
use promptline_core::sync::{admin, Team};
use promptline_core::{RunFilter, Store};
use promptline_pgtest::{Durability, TempCluster};
use sqlx::postgres::PgPoolOptions;
use sqlx::Executor;

const PUSH_LIMIT: Duration = Duration::from_secs(60);
const EMPTY_SYNC_LIMIT: Duration = Duration::from_millis(100);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let runs_file = PathBuf::from(args.next().ok_or("pass the runs JSONL file")?);
    let sizes: Vec<i64> = args
        .next()
        .unwrap_or_else(|| "10000,100000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let mut report = Vec::<String>::new();
    let mut say = |line: String| {
        eprintln!("{line}");
        report.push(line);
    };

    let cluster = TempCluster::start_with(Durability::Default);
    let superuser = PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.superuser_url())
        .await?;
    superuser
        .execute("CREATE ROLE team_admin LOGIN CREATEROLE PASSWORD 'bench-admin'")
        .await?;
    superuser
        .execute("CREATE DATABASE team OWNER team_admin")
        .await?;
    let admin_url = cluster.url("team_admin", "bench-admin", "team");
    admin::init(&admin_url).await?;
    for name in ["alice", "bob"] {
        admin::add_user(
            &admin_url,
            name,
            &ApiKey::new(format!("{name}-bench")).unwrap(),
        )
        .await?;
    }
    let team_db = PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.superuser_url_on("team"))
        .await?;

    let dir = tempfile::tempdir()?;
    let alice_store = Store::open(&dir.path().join("alice.db")).await?;
    let bob_store = Store::open(&dir.path().join("bob.db")).await?;
    let started = Instant::now();
    let file = std::io::BufReader::new(std::fs::File::open(&runs_file)?);
    let imported = alice_store
        .import_jsonl(&runs_file.display().to_string(), file, &mut |_| {})
        .await?;
    let n = imported.runs_added as i64;
    say(format!(
        "Alice's history: {n} runs, {} prompts (import into SQLite: {}, not part of the sync)",
        imported.prompts_added,
        secs(started.elapsed())
    ));

    let connect = |name: &str| {
        let url = TeamUrl::parse(&cluster.url(name, &format!("{name}-bench"), "team")).unwrap();
        async move { Team::connect(&url, url.password.as_ref()).await }
    };
    let alice = connect("alice").await?;
    alice_store.link_team(alice.url(), "alice").await?;
    let bob = connect("bob").await?;
    bob_store.link_team(bob.url(), "bob").await?;

    // 1. The first push of the whole history.
    let started = Instant::now();
    let pushed = alice.sync(&alice_store).await?;
    let push = started.elapsed();
    assert_eq!(pushed.pushed_runs as i64, n);

    // The floor: COPY of the same rows into a copy of the table without row-level security and
    // triggers (indexes kept), as the superuser on the same server.
    team_db
        .execute(
            "CREATE TABLE public.copy_floor (LIKE promptline.prompt_run_history INCLUDING ALL)",
        )
        .await?;
    team_db
        .execute("ALTER TABLE public.copy_floor ALTER COLUMN user_id DROP DEFAULT, ALTER COLUMN sync_seq SET DEFAULT 0")
        .await?;
    let user: String =
        sqlx::query_scalar("SELECT id::text FROM promptline.users WHERE name = 'alice'")
            .fetch_one(&team_db)
            .await?;
    let mut text = String::new();
    let mut runs = alice_store.stream_runs(&RunFilter::default());
    while let Some(run) = runs.next().await {
        let run = run?;
        let s = &run.summary;
        let field = |v: &str| {
            v.replace('\\', "\\\\")
                .replace('\t', "\\t")
                .replace('\n', "\\n")
                .replace('\r', "\\r")
        };
        let opt = |v: Option<i64>| v.map_or("\\N".to_owned(), |v| v.to_string());
        text.push_str(&format!(
            "{}\t{}\t{user}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t\\N\t{}\t{}\t{}\n",
            field(s.id.as_str()),
            s.prompt_id
                .as_ref()
                .map_or("\\N".to_owned(), |p| field(p.as_str())),
            field(&run.prompt_text),
            field(&run.response),
            field(&s.model),
            field(&s.provider),
            opt(s.tokens_used),
            opt(s.input_tokens),
            opt(s.output_tokens),
            opt(s.execution_time_ms),
            opt(s.ttft_ms),
            s.status.as_str(),
            s.error_message.as_deref().map_or("\\N".to_owned(), field),
            field(&run.params.to_string()),
            field(&run.variables.to_string()),
            promptline_core::store::transfer::rfc3339(s.created_at),
        ));
    }
    drop(runs);
    let started = Instant::now();
    let mut conn = team_db.acquire().await?;
    let mut copy = conn
        .copy_in_raw(
            "COPY public.copy_floor (id, prompt_id, user_id, prompt_text, response, model, provider, \
             tokens_used, input_tokens, output_tokens, execution_time_ms, ttft_ms, status, \
             error_message, stop_reason, params, variables, created_at) FROM STDIN",
        )
        .await?;
    copy.send(text.as_bytes()).await?;
    copy.finish().await?;
    drop(conn);
    let floor = started.elapsed();
    say(format!(
        "| push {n} runs (first sync) | {} | limit {} | {:.2}x of the limit | bare COPY of the same rows: {} ({:.1}x faster than our push) |",
        secs(push),
        secs(PUSH_LIMIT),
        push.as_secs_f64() / PUSH_LIMIT.as_secs_f64(),
        secs(floor),
        push.as_secs_f64() / floor.as_secs_f64()
    ));

    team_db.execute("DROP TABLE public.copy_floor").await?;

    // 2. Syncs with nothing new: on the open connection (the app), and connecting first (the CLI).
    let mut open = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        let report = alice.sync(&alice_store).await?;
        open.push(started.elapsed());
        assert_eq!(report, Default::default());
    }
    let mut fresh = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let team = connect("alice").await?;
        team.sync(&alice_store).await?;
        team.close().await;
        fresh.push(started.elapsed());
    }
    let open = median(open);
    let fresh = median(fresh);
    say(format!(
        "| incremental sync, nothing new, open connection (median of 30) | {} | limit {} | {:.3}x of the limit |",
        ms(open),
        ms(EMPTY_SYNC_LIMIT),
        open.as_secs_f64() / EMPTY_SYNC_LIMIT.as_secs_f64()
    ));
    say(format!(
        "| the same with a new connection (SCRAM login) each time (median of 10) | {} | limit {} | {:.3}x of the limit |",
        ms(fresh),
        ms(EMPTY_SYNC_LIMIT),
        fresh.as_secs_f64() / EMPTY_SYNC_LIMIT.as_secs_f64()
    ));

    // 3. Alice shares every prompt; bob pulls the whole history.
    let started = Instant::now();
    for prompt in alice_store.list_prompts(None, i64::MAX).await? {
        alice_store
            .set_prompt_shared(&prompt.prompt.id, true)
            .await?;
    }
    let shared = alice.sync(&alice_store).await?;
    let share = started.elapsed();
    let started = Instant::now();
    let pulled = bob.sync(&bob_store).await?;
    let pull = started.elapsed();
    say(format!(
        "| share all {} prompts and push (re-stamps {n} runs on the server) | {} | | |",
        shared.pushed_prompts,
        secs(share)
    ));
    say(format!(
        "| teammate pulls {} runs and {} prompts (first sync) | {} | {:.0} runs/s | |",
        pulled.pulled_runs,
        pulled.pulled_prompts,
        secs(pull),
        pulled.pulled_runs as f64 / pull.as_secs_f64()
    ));
    alice.close().await;
    bob.close().await;
    // Room on the disk for the next part.
    alice_store.close().await;
    bob_store.close().await;
    drop(dir);
    team_db.close().await;
    superuser.execute("DROP DATABASE team").await?;

    // 4. The team history page, on a database of its own grown from 10k to 1M rows.
    superuser
        .execute("CREATE DATABASE scale OWNER team_admin")
        .await?;
    admin::init(&cluster.url("team_admin", "bench-admin", "scale")).await?;
    let scale_db = PgPoolOptions::new()
        .max_connections(2)
        .connect(&cluster.superuser_url_on("scale"))
        .await?;
    scale_db
        .execute(
            "GRANT CONNECT ON DATABASE scale TO alice, bob; \
             INSERT INTO promptline.users (name) VALUES ('alice'), ('bob'); \
             INSERT INTO promptline.prompts (id, user_id, name, template, shared, created_at, updated_at) \
             SELECT 'p' || i, (SELECT id FROM promptline.users WHERE name = 'alice'), 'prompt ' || i, \
                    't', i % 2 = 0, now(), now() FROM generate_series(0, 99) i",
        )
        .await?;
    let url = TeamUrl::parse(&cluster.url("bob", "bob-bench", "scale"))?;
    let bob = Team::connect(&url, url.password.as_ref()).await?;
    let mut rows = 0i64;
    let mut flat = Vec::new();
    for size in sizes {
        let started = Instant::now();
        // Alice's runs on 100 prompts (every other one shared), newest last, ~330 bytes of text.
        sqlx::query(
            "INSERT INTO promptline.prompt_run_history (id, prompt_id, user_id, prompt_text, response, \
               model, provider, tokens_used, execution_time_ms, status, created_at) \
             SELECT 'r' || i, 'p' || (i % 100), (SELECT id FROM promptline.users WHERE name = 'alice'), \
               'prompt text ' || i, repeat('response words ', 20) || i, 'gpt-4o-mini', 'openai', \
               100 + i % 900, 200 + i % 5000, CASE WHEN i % 31 = 0 THEN 'error' ELSE 'success' END, \
               timestamptz '2025-01-01' + i * interval '1 second' \
             FROM generate_series($1::bigint, $2::bigint - 1) i",
        )
        .bind(rows)
        .bind(size)
        .execute(&scale_db)
        .await?;
        scale_db
            .execute("ANALYZE promptline.prompt_run_history")
            .await?;
        let fill = started.elapsed();
        rows = size;
        let mut samples = Vec::new();
        for _ in 0..30 {
            let started = Instant::now();
            let page = bob.prompt_page("p42", 50).await?;
            samples.push(started.elapsed());
            assert_eq!(page.len(), 50);
            assert!(page.iter().all(|(_, owner, _)| owner == "alice"));
        }
        let page = median(samples);
        flat.push((size, page));
        say(format!(
            "| team page (newest 50 of a shared prompt, as bob, RLS on) at {size} server rows (median of 30) | {} | | made server-side in {} |",
            ms(page),
            secs(fill)
        ));
    }
    if let (Some(first), Some(last)) = (flat.first(), flat.last()) {
        say(format!(
            "| team page, {} rows vs {} rows | {:.2}x | flat means ~1x | |",
            last.0,
            first.0,
            last.1.as_secs_f64() / first.1.as_secs_f64()
        ));
    }
    bob.close().await;
    println!("{}", report.join("\n"));
    Ok(())
}
