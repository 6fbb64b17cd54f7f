//! The runner: renders a prompt, calls the provider, times it, and records exactly one run per
//! attempt, whatever happens to it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::domain::{now, NewRun, PromptId, Run, RunId, RunStatus};
use crate::error::{Error, Result};
use crate::prices;
use crate::providers::{ModelRef, Provider, ProviderEvent, ProviderRequest, Usage};
use crate::store::Store;
use crate::template;

/// The default per-run time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The parameters a run of a saved prompt sends: the prompt's own, with `overrides` (a run's
/// `--param` and `--system`) winning key by key.
pub fn merged_params(
    saved: &serde_json::Value,
    overrides: &serde_json::Value,
) -> serde_json::Value {
    let mut merged = saved.as_object().cloned().unwrap_or_default();
    if let Some(overrides) = overrides.as_object() {
        for (key, value) in overrides {
            merged.insert(key.clone(), value.clone());
        }
    }
    serde_json::Value::Object(merged)
}

/// A streaming run's partial response is written at most this often...
pub const PARTIAL_EVERY: Duration = Duration::from_secs(1);

/// ...or once this many bytes have arrived since the last write, whichever comes first.
pub const PARTIAL_BYTES: usize = 64 * 1024;

/// One attempt to run a prompt.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The id the run will be recorded under; known up front so a caller can cancel it by id.
    pub id: RunId,
    /// The saved prompt being run, if any.
    pub prompt_id: Option<PromptId>,
    /// The version of that prompt being run, recorded with the run.
    pub prompt_version: Option<i64>,
    /// The template (or plain text) to render.
    pub template: String,
    /// Values for the template's `{{variables}}`.
    pub variables: BTreeMap<String, String>,
    /// Which provider and model.
    pub model: ModelRef,
    /// Generation parameters, a JSON object.
    pub params: serde_json::Value,
    /// The whole run's time limit.
    pub timeout: Duration,
    /// Use the provider's streaming API.
    pub stream: bool,
}

impl RunSpec {
    /// A spec with defaults: fresh id, no prompt, no variables, empty params, default timeout,
    /// streaming on.
    pub fn new(template: impl Into<String>, model: ModelRef) -> Self {
        Self {
            id: RunId::new(),
            prompt_id: None,
            prompt_version: None,
            template: template.into(),
            variables: BTreeMap::new(),
            model,
            params: serde_json::json!({}),
            timeout: DEFAULT_TIMEOUT,
            stream: true,
        }
    }
}

/// Renders the prompt (a missing variable fails here, before anything is sent or recorded), then
/// runs it on `provider`, calling `on_event` for every event as it arrives, and records the run.
///
/// The run is recorded as `running` before the request goes out, its partial response is written
/// as it streams (at most every [`PARTIAL_EVERY`] or [`PARTIAL_BYTES`]), and the row is completed
/// in place when the run ends, so a process killed mid-run leaves an `interrupted` run behind
/// (see [`crate::store::in_flight`]).
///
/// Returns the recorded run; its status tells how it ended. Errors are returned only when nothing
/// could be recorded (a missing variable, or the database failing); the answer has still reached
/// `on_event` by then.
pub async fn execute(
    store: &Store,
    provider: Arc<dyn Provider>,
    spec: RunSpec,
    cancel: CancellationToken,
    mut on_event: impl FnMut(&ProviderEvent) + Send,
) -> Result<Run> {
    let prompt_text = template::render(&spec.template, &spec.variables)?;
    let created_at = now();
    let variables = serde_json::to_value(&spec.variables)?;
    let mut run = NewRun {
        id: spec.id.clone(),
        prompt_id: spec.prompt_id.clone(),
        created_at,
        model: spec.model.model.clone(),
        provider: spec.model.provider.clone(),
        status: RunStatus::Running,
        tokens_used: None,
        input_tokens: None,
        output_tokens: None,
        execution_time_ms: Some(0),
        ttft_ms: None,
        stop_reason: None,
        error_message: None,
        params: spec.params.clone(),
        variables,
        prompt_text: prompt_text.clone(),
        response: String::new(),
        origin: crate::domain::RunOrigin {
            prompt_version: spec.prompt_version.filter(|_| spec.prompt_id.is_some()),
            ..Default::default()
        },
        token_details: Default::default(),
        cost: None,
    };
    // A database that cannot be written (full, read-only) does not stop the run: the answer
    // still reaches the caller, and the failure is reported when the run is recorded at the end.
    let in_flight = store.begin_run(&run).await.ok();
    let request = ProviderRequest {
        model: spec.model.model.clone(),
        prompt: prompt_text.clone(),
        params: spec.params.clone(),
        stream: spec.stream,
    };

    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(started + spec.timeout);
    let mut events = provider.stream(request);
    let mut response = String::new();
    let mut usage = Usage::default();
    let mut stop_reason = None;
    let mut ttft = None;
    let mut last_write = Instant::now();
    let mut saved_bytes = 0usize;
    let outcome: Outcome = loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => break Outcome::Cancelled,
            () = tokio::time::sleep_until(deadline) => break Outcome::TimedOut,
            event = events.next() => match event {
                None => break Outcome::Finished,
                Some(Err(error)) => break Outcome::Failed(error.message),
                Some(Ok(event)) => {
                    match &event {
                        ProviderEvent::Text { text } => {
                            if ttft.is_none() && !text.is_empty() {
                                ttft = Some(started.elapsed());
                            }
                            response.push_str(text);
                        }
                        ProviderEvent::Usage { usage: reported } => merge_usage(&mut usage, reported),
                        ProviderEvent::Stop { reason } => stop_reason = Some(reason.clone()),
                    }
                    on_event(&event);
                    if let Some(in_flight) = &in_flight {
                        let unsaved = response.len() - saved_bytes;
                        if unsaved > 0
                            && (unsaved >= PARTIAL_BYTES || last_write.elapsed() >= PARTIAL_EVERY)
                        {
                            // A failed write loses nothing yet: the next one, or the end, retries.
                            if store
                                .save_partial(
                                    in_flight,
                                    &response,
                                    saved_bytes,
                                    millis(started.elapsed()),
                                    ttft.map(millis),
                                )
                                .await
                                .is_ok()
                            {
                                saved_bytes = response.len();
                            }
                            last_write = Instant::now();
                        }
                    }
                }
            },
        }
    };
    let elapsed = started.elapsed();
    drop(events);

    let (status, error_message) = match outcome {
        Outcome::Finished => (RunStatus::Success, None),
        Outcome::Failed(message) => (RunStatus::Error, Some(message)),
        Outcome::TimedOut => (
            RunStatus::Timeout,
            // How to raise the limit depends on where the run was started (a CLI flag, a field
            // in the app): each front end adds its own way to the message it shows.
            Some(format!(
                "timed out after {}: the time limit ran out",
                human_duration(spec.timeout)
            )),
        ),
        Outcome::Cancelled => (
            RunStatus::Cancelled,
            Some("cancelled by the user".to_owned()),
        ),
    };
    if usage.total_tokens.is_none() {
        if let (Some(input), Some(output)) = (usage.input_tokens, usage.output_tokens) {
            usage.total_tokens = Some(input + output);
        }
    }
    run.status = status;
    run.tokens_used = usage.total_tokens;
    run.input_tokens = usage.input_tokens;
    run.output_tokens = usage.output_tokens;
    run.execution_time_ms = Some(millis(elapsed));
    run.ttft_ms = ttft.map(millis);
    run.stop_reason = stop_reason;
    run.error_message = error_message;
    run.response = response;
    run.token_details = usage.details;
    // Priced with its token counts as it ends; should the prices be unreadable now, it is
    // recorded unpriced and priced later.
    run.cost = prices::price_new_run(store, &run).await;
    let recorded = match &in_flight {
        Some(in_flight) => store.complete_run(in_flight, &run).await,
        None => store.insert_run(&run).await,
    };
    recorded.map_err(|error| match error.storage_problem() {
        Some((why, fix)) => Error::NotRecorded(format!(
            "the run finished and its answer was shown, but it could not be recorded: {why}. \
             Nothing already in the history was damaged; once {fix}, runs are recorded again"
        )),
        None => error,
    })
}

enum Outcome {
    Finished,
    Failed(String),
    TimedOut,
    Cancelled,
}

fn merge_usage(into: &mut Usage, reported: &Usage) {
    into.input_tokens = reported.input_tokens.or(into.input_tokens);
    into.output_tokens = reported.output_tokens.or(into.output_tokens);
    into.total_tokens = reported.total_tokens.or(into.total_tokens);
    let (into, reported) = (&mut into.details, &reported.details);
    into.cached_tokens = reported.cached_tokens.or(into.cached_tokens);
    into.cache_write_tokens = reported.cache_write_tokens.or(into.cache_write_tokens);
    into.reasoning_tokens = reported.reasoning_tokens.or(into.reasoning_tokens);
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn human_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs >= 1.0 {
        format!("{} s", (secs * 10.0).round() / 10.0)
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_run_sends_the_saved_params_with_its_overrides_winning_key_by_key() {
        let saved = serde_json::json!({"temperature": 0.2, "system": "Be brief."});
        let overrides = serde_json::json!({"temperature": 0.9, "max_tokens": 10});
        assert_eq!(
            super::merged_params(&saved, &overrides),
            serde_json::json!({"temperature": 0.9, "system": "Be brief.", "max_tokens": 10})
        );
        assert_eq!(
            super::merged_params(&serde_json::Value::Null, &overrides),
            overrides
        );
    }
}
