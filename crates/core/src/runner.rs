//! The runner: renders a prompt, calls the provider, times it, and records exactly one run per
//! attempt, whatever happens to it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::domain::{now, NewRun, PromptId, Run, RunId, RunStatus};
use crate::error::Result;
use crate::providers::{ModelRef, Provider, ProviderEvent, ProviderRequest, Usage};
use crate::store::Store;
use crate::template;

/// The default per-run time limit.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// One attempt to run a prompt.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The id the run will be recorded under; known up front so a caller can cancel it by id.
    pub id: RunId,
    /// The saved prompt being run, if any.
    pub prompt_id: Option<PromptId>,
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
/// Returns the recorded run; its status tells how it ended. Errors are returned only when nothing
/// could be recorded (a missing variable, or the database failing).
pub async fn execute(
    store: &Store,
    provider: Arc<dyn Provider>,
    spec: RunSpec,
    cancel: CancellationToken,
    mut on_event: impl FnMut(&ProviderEvent) + Send,
) -> Result<Run> {
    let prompt_text = template::render(&spec.template, &spec.variables)?;
    let created_at = now();
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
            Some(format!(
                "timed out after {}: the time limit ran out (raise it with --timeout SECONDS)",
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
    let run = NewRun {
        id: spec.id,
        prompt_id: spec.prompt_id,
        created_at,
        model: spec.model.model.clone(),
        provider: spec.model.provider.clone(),
        status,
        tokens_used: usage.total_tokens,
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
        execution_time_ms: Some(millis(elapsed)),
        ttft_ms: ttft.map(millis),
        stop_reason,
        error_message,
        params: spec.params,
        variables: serde_json::to_value(&spec.variables)?,
        prompt_text,
        response,
    };
    store.insert_run(&run).await
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
