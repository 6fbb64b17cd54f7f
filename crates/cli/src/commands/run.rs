//! `promptline run`: render, execute, stream, record.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use futures_util::future::join_all;
use promptline_core::keys::SystemKeys;
use promptline_core::providers::{self, ModelRef, Provider, ProviderEvent};
use promptline_core::runner::{self, RunSpec};
use promptline_core::{template, PromptId, Run, RunStatus, Store};
use tokio_util::sync::CancellationToken;

use crate::exit;
use crate::output::{self, count, duration_ms};

/// Arguments of `promptline run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The saved prompt to run (or pass --text)
    #[arg(
        value_name = "PROMPT_ID",
        required_unless_present = "text",
        conflicts_with = "text"
    )]
    pub prompt_id: Option<String>,
    /// Run this text instead of a saved prompt (it may use {{variables}} too)
    #[arg(long)]
    pub text: Option<String>,
    /// PROVIDER/MODEL, or echo; repeat to run on several models at once
    /// [default: the prompt's model, else the default model of `promptline settings`, else echo]
    #[arg(long = "model", short = 'm', value_name = "MODEL")]
    pub models: Vec<String>,
    /// A template variable's value (repeat for each variable)
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
    /// A generation parameter such as temperature=0.2 or max_tokens=500 (value read as JSON when
    /// it is); wins over the one saved with the prompt
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// A system prompt to send with it; wins over the one saved with the prompt
    #[arg(long)]
    pub system: Option<String>,
    /// Give up after this many seconds (the run is recorded as a timeout); `promptline settings
    /// --default-timeout` changes the default [default: 300]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Use the provider's plain request instead of streaming
    #[arg(long)]
    pub no_stream: bool,
    /// Run it this many times per model, one after another
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: u32,
    /// Print the recorded run(s) as JSON instead of the response text
    #[arg(long)]
    pub json: bool,
}

/// Runs `promptline run`.
pub async fn execute(store: &Store, args: RunArgs) -> anyhow::Result<ExitCode> {
    if args
        .timeout
        .is_some_and(|secs| !(secs > 0.0 && secs.is_finite()))
    {
        anyhow::bail!("--timeout must be a positive number of seconds");
    }
    let settings = store.user_settings().await?;
    let timeout = args.timeout.map_or_else(
        || {
            settings
                .default_timeout_secs
                .map_or(runner::DEFAULT_TIMEOUT, |s| Duration::from_secs(s.into()))
        },
        Duration::from_secs_f64,
    );
    let (prompt_id, prompt_version, template_text, default_model, saved_params) =
        match (&args.prompt_id, &args.text) {
            (Some(id), _) => {
                let prompt = store.prompt(&PromptId::from(id.as_str())).await?;
                (
                    Some(prompt.id),
                    Some(prompt.version),
                    prompt.template,
                    prompt.default_model,
                    prompt.params,
                )
            }
            (None, Some(text)) => (None, None, text.clone(), None, serde_json::json!({})),
            (None, None) => anyhow::bail!("pass a PROMPT_ID or --text TEXT"),
        };
    let variables = template::parse_assignments(&args.vars)?;
    // A missing variable stops us here, before anything is sent or recorded.
    template::render(&template_text, &variables)?;
    let params = without_empty(runner::merged_params(
        &saved_params,
        &parse_params(&args.params, args.system.as_deref())?,
    ));

    // Precedence: --model, then the prompt's model, then the settings' default, then echo.
    let model_specs = if args.models.is_empty() {
        vec![default_model
            .or(settings.default_model)
            .unwrap_or_else(|| "echo".into())]
    } else {
        args.models.clone()
    };
    let keys = SystemKeys::for_store(store).await?;
    let mut targets: Vec<(ModelRef, Arc<dyn Provider>)> = Vec::new();
    for spec in &model_specs {
        let model = ModelRef::parse(spec)?;
        let provider = providers::for_model(store, &keys, &model).await?;
        targets.push((model, provider));
    }

    let cancel = CancellationToken::new();
    let ctrl_c = tokio::spawn({
        let cancel = cancel.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        }
    });

    let live = targets.len() == 1 && args.repeat == 1 && !args.json;
    let make_spec = |model: &ModelRef| {
        let mut spec = RunSpec::new(template_text.clone(), model.clone());
        spec.prompt_id = prompt_id.clone();
        spec.prompt_version = prompt_version;
        spec.variables = variables.clone();
        spec.params = params.clone();
        spec.timeout = timeout;
        spec.stream = !args.no_stream;
        spec
    };

    let mut runs: Vec<Run> = Vec::new();
    if live {
        let (model, provider) = &targets[0];
        let run = runner::execute(
            store,
            provider.clone(),
            make_spec(model),
            cancel.clone(),
            print_text,
        )
        .await?;
        if !run.response.ends_with('\n') {
            outln!();
        }
        eprintln!("{}", summary_line(&run));
        runs.push(run);
    } else {
        let print_each = !args.json;
        let jobs = targets.iter().map(|(model, provider)| {
            let cancel = cancel.clone();
            let make_spec = &make_spec;
            async move {
                let mut done = Vec::new();
                for _ in 0..args.repeat {
                    if cancel.is_cancelled() {
                        break;
                    }
                    let result = runner::execute(
                        store,
                        provider.clone(),
                        make_spec(model),
                        cancel.clone(),
                        |_| {},
                    )
                    .await;
                    if let (true, Ok(run)) = (print_each, &result) {
                        print_labelled(run);
                    }
                    done.push(result);
                }
                done
            }
        });
        for result in join_all(jobs).await.into_iter().flatten() {
            runs.push(result?);
        }
        if args.json {
            output::print_json(&runs)?;
        }
    }
    ctrl_c.abort();
    Ok(exit_code(&runs))
}

/// Prints one finished run, labelled, as soon as it is recorded (several models or --repeat).
fn print_labelled(run: &Run) {
    let response = if run.response.is_empty() {
        "(no response)"
    } else {
        run.response.as_str()
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "── {}\n{response}", summary_line(run)).and_then(|()| out.flush());
}

fn print_text(event: &ProviderEvent) {
    if let ProviderEvent::Text { text } = event {
        let mut out = std::io::stdout().lock();
        // A closed pipe must not abort the run: it is still recorded.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }
}

fn summary_line(run: &Run) -> String {
    let s = &run.summary;
    let mut line = format!(
        "{} · {} · {} · {} tokens · run {}",
        s.status,
        s.provider_model(),
        duration_ms(s.execution_time_ms),
        count(s.tokens_used),
        s.id
    );
    if let Some(error) = &s.error_message {
        line.push_str("\n  ");
        line.push_str(error);
        if s.status == RunStatus::Timeout {
            line.push_str(" (raise it with --timeout SECONDS)");
        }
    }
    line
}

/// The exit code for a set of runs: the worst outcome wins.
fn exit_code(runs: &[Run]) -> ExitCode {
    let has = |status: RunStatus| runs.iter().any(|r| r.summary.status == status);
    if has(RunStatus::Cancelled) {
        ExitCode::from(exit::CANCELLED)
    } else if has(RunStatus::Timeout) {
        ExitCode::from(exit::TIMEOUT)
    } else if has(RunStatus::Error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `params` without the keys whose value is empty (an override that removes a saved parameter).
fn without_empty(params: serde_json::Value) -> serde_json::Value {
    match params {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
                .collect(),
        ),
        other => other,
    }
}

/// `--param KEY=VALUE` pairs (values read as JSON when they are) and `--system`, as a JSON object.
/// An empty value (`--param top_p=`, `--system ""`) stands for "none": saving it removes the key.
pub fn parse_params(pairs: &[String], system: Option<&str>) -> anyhow::Result<serde_json::Value> {
    let mut params = serde_json::Map::new();
    for (key, value) in template::parse_assignments(pairs)? {
        let value = serde_json::from_str(&value).unwrap_or(serde_json::Value::String(value));
        params.insert(key, value);
    }
    if let Some(system) = system {
        params.insert(
            "system".into(),
            serde_json::Value::String(system.to_owned()),
        );
    }
    Ok(serde_json::Value::Object(params))
}
