//! Backfill: past runs sent with their original times, in batches, several requests in flight,
//! each acknowledged batch recorded at once, so a second call sends only what the first did not
//! get through.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use super::client::OtlpClient;
use super::span::{self, SpanOptions};
use crate::domain::RunFilter;
use crate::error::{Error, Result};
use crate::store::Store;

/// Runs per request: large enough that a request's overhead is small, small enough that a
/// collector's default body limit (4 MiB in the OpenTelemetry Collector) holds a batch with
/// content, mostly.
pub const BATCH: usize = 500;

/// Requests in flight at once.
pub const IN_FLIGHT: usize = 4;

/// How many times a batch is tried when the collector is busy or unreachable, before the
/// backfill stops (and can be resumed).
const ATTEMPTS: u32 = 5;

/// What a backfill did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillReport {
    /// Runs matching the filters (running ones included: they are sent once they end).
    pub matching: u64,
    /// Of those, already acknowledged by this endpoint before (skipped).
    pub already_sent: u64,
    /// Runs acknowledged now.
    pub sent: u64,
    /// Spans the collector took but reported as dropped (OTLP partial success).
    pub dropped_by_collector: u64,
}

/// Sends the runs matching `filter` that `client`'s endpoint has not acknowledged. `on_start`
/// hears how many will be sent, `on_progress` how many are acknowledged so far. Stops at the first
/// batch that keeps failing, with an error that says how many were sent and how to go on.
pub async fn backfill(
    store: &Store,
    client: &OtlpClient,
    filter: &RunFilter,
    on_start: &mut (dyn FnMut(u64) + Send),
    on_progress: &mut (dyn FnMut(u64) + Send),
) -> Result<BackfillReport> {
    let config = client.config();
    let endpoint = config.endpoint.clone();
    let matching = u64::try_from(store.count_runs(filter).await?).unwrap_or(0);
    let seqs = store.otel_unacked(filter, &endpoint).await?;
    let already_sent = store.otel_acked_matching(filter, &endpoint).await?;
    let mut report = BackfillReport {
        matching,
        already_sent: u64::try_from(already_sent).unwrap_or(0),
        ..Default::default()
    };
    on_start(seqs.len() as u64);
    let options = SpanOptions {
        capture_content: config.capture_content,
    };
    let batches = seqs.chunks(BATCH).map(<[i64]>::to_vec);
    // After a failure no new batch starts, but those in flight are settled: a batch the collector
    // took must be recorded as acknowledged, or a resumed backfill would send it twice.
    let stop = AtomicBool::new(false);
    let mut sends = stream::iter(batches)
        .map(|batch| {
            let (endpoint, stop) = (&endpoint, &stop);
            async move {
                if stop.load(Ordering::Relaxed) {
                    return Ok(None);
                }
                let sources = store.span_sources(&batch, options.capture_content).await?;
                let spans = sources.iter().map(|run| span::span(run, options)).collect();
                let dropped = send_with_retries(client, client.encode(spans)).await?;
                store.ack_otel(endpoint, &batch).await?;
                Ok::<_, Error>(Some((batch.len() as u64, dropped)))
            }
        })
        .buffer_unordered(IN_FLIGHT);
    let mut failure = None;
    while let Some(result) = sends.next().await {
        match result {
            Ok(Some((count, dropped))) => {
                report.sent += count;
                report.dropped_by_collector += dropped;
                on_progress(report.sent);
            }
            Ok(None) => {}
            Err(error) => {
                stop.store(true, Ordering::Relaxed);
                failure.get_or_insert(error);
            }
        }
    }
    drop(sends);
    match failure {
        None => {
            let _ = store.note_otel_attempt(None).await;
            Ok(report)
        }
        Some(error) => Err(Error::invalid(format!(
            "{error}. Sent {} of {} runs; run the same command again to send the rest (what was \
             acknowledged is not sent twice)",
            report.sent,
            seqs.len()
        ))),
    }
}

/// One batch, tried again with a growing pause while the failure is transient.
async fn send_with_retries(client: &OtlpClient, body: Vec<u8>) -> Result<u64> {
    let mut pause = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        match client.send_body(body.clone()).await {
            Ok(accepted) => {
                return Ok(accepted.rejected.map_or(0, |(n, _)| n.max(0) as u64));
            }
            Err(failure) if failure.transient && attempt < ATTEMPTS => {
                tokio::time::sleep(
                    failure
                        .retry_after
                        .unwrap_or(pause)
                        .min(Duration::from_secs(30)),
                )
                .await;
                pause *= 2;
                attempt += 1;
            }
            Err(failure) => return Err(Error::invalid(failure.message)),
        }
    }
}
