//! The OpenTelemetry export's tables: `otel_settings` (the endpoint and the content switch, never a
//! secret), `otel_outbox` (finished runs waiting to be sent) and `otel_acked` (which runs which
//! endpoint has acknowledged). The exporter itself (`crate::otel`) speaks HTTP; this module only
//! reads and writes rows.

use std::sync::atomic::Ordering;

use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection};

use crate::domain::{now, to_micros, RunFilter};
use crate::error::Result;
use crate::store::filter::{self, Texts};
use crate::store::Store;

/// The stored, non-secret part of the export configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OtelSettings {
    /// The OTLP/HTTP traces URL; `None` when live export is off.
    pub endpoint: Option<String>,
    /// Whether prompts, responses and variable values go into the spans.
    pub capture_content: bool,
    /// The OS keychain account holding the header values, once headers were set.
    pub keychain_account: Option<String>,
    /// When a batch was last acknowledged (microseconds).
    pub last_sent_at: Option<i64>,
    /// What the last failed attempt said, if it failed after the last success.
    pub last_error: Option<String>,
    /// When that was (microseconds).
    pub last_error_at: Option<i64>,
}

/// Everything a span is made from: one finished run with its prompt's name and its provider's
/// address. The texts are read only when content capture is on.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct SpanSource {
    /// The run's time key.
    pub seq: i64,
    /// The run id.
    pub id: String,
    /// The saved prompt, if any.
    pub prompt_id: Option<String>,
    /// That prompt's name.
    pub prompt_name: Option<String>,
    /// When the run started (microseconds).
    pub created_at: i64,
    /// The model as requested.
    pub model: String,
    /// The configured provider's name.
    pub provider: String,
    /// The provider's kind (`openai`, `anthropic`, `gemini`, `echo`), when it is still configured.
    pub provider_kind: Option<String>,
    /// The provider's base URL, when it is still configured.
    pub base_url: Option<String>,
    /// How the run ended, as stored.
    pub status: String,
    /// Prompt-side tokens.
    pub input_tokens: Option<i64>,
    /// Completion-side tokens.
    pub output_tokens: Option<i64>,
    /// Total tokens.
    pub tokens_used: Option<i64>,
    /// Duration in milliseconds.
    pub execution_time_ms: Option<i64>,
    /// Time to first token in milliseconds.
    pub ttft_ms: Option<i64>,
    /// Why the model stopped.
    pub stop_reason: Option<String>,
    /// What went wrong.
    pub error_message: Option<String>,
    /// Generation parameters, JSON object text.
    pub params: String,
    /// Template variables, JSON object text.
    pub variables: String,
    /// The prompt as sent (content capture only).
    pub prompt_text: Option<String>,
    /// The response (content capture only).
    pub response: Option<String>,
}

#[derive(FromRow)]
struct SettingsRow {
    endpoint: Option<String>,
    capture_content: i64,
    keychain_account: Option<String>,
    last_sent_at: Option<i64>,
    last_error: Option<String>,
    last_error_at: Option<i64>,
}

/// The statuses a run can still change from: such a run is not exported yet.
const UNFINISHED: &str = "'running'";

/// Queues a run for live export, inside the transaction that records it (or starts it: a run is
/// sent only once it has a final status). Does nothing unless the process has live export on
/// ([`Store::set_live_export`]).
pub(crate) async fn enqueue(store: &Store, conn: &mut SqliteConnection, seq: i64) -> Result<()> {
    if !store.live_export.load(Ordering::Relaxed) {
        return Ok(());
    }
    sqlx::query("INSERT OR IGNORE INTO otel_outbox (seq) VALUES (?)")
        .bind(seq)
        .execute(conn)
        .await?;
    Ok(())
}

impl Store {
    /// Turns the outbox on or off for the runs this process records. The exporter turns it on
    /// when an endpoint is configured (in the database or the environment).
    pub fn set_live_export(&self, on: bool) {
        self.live_export.store(on, Ordering::Relaxed);
    }

    /// Whether this process queues its runs for export.
    pub fn live_export(&self) -> bool {
        self.live_export.load(Ordering::Relaxed)
    }

    /// The stored export settings (all empty when never set).
    pub async fn otel_settings(&self) -> Result<OtelSettings> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT endpoint, capture_content, keychain_account, last_sent_at, last_error, \
             last_error_at FROM otel_settings WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row
            .map(|row| OtelSettings {
                endpoint: row.endpoint,
                capture_content: row.capture_content != 0,
                keychain_account: row.keychain_account,
                last_sent_at: row.last_sent_at,
                last_error: row.last_error,
                last_error_at: row.last_error_at,
            })
            .unwrap_or_default())
    }

    /// Stores the endpoint (`None`: live export off), the content switch and the keychain account.
    /// A new endpoint forgets what the previous one's last attempts said.
    pub async fn save_otel_settings(
        &self,
        endpoint: Option<&str>,
        capture_content: bool,
        keychain_account: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO otel_settings (id, endpoint, capture_content, keychain_account, updated_at) \
             VALUES (1, ?1, ?2, ?3, ?4) \
             ON CONFLICT (id) DO UPDATE SET \
               last_error = CASE WHEN endpoint IS excluded.endpoint THEN last_error END, \
               last_error_at = CASE WHEN endpoint IS excluded.endpoint THEN last_error_at END, \
               last_sent_at = CASE WHEN endpoint IS excluded.endpoint THEN last_sent_at END, \
               endpoint = excluded.endpoint, capture_content = excluded.capture_content, \
               keychain_account = excluded.keychain_account, updated_at = excluded.updated_at",
        )
        .bind(endpoint)
        .bind(capture_content as i64)
        .bind(keychain_account)
        .bind(to_micros(now()))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Notes a successful send (clears the last error) or a failure, in words without secrets.
    pub async fn note_otel_attempt(&self, error: Option<&str>) -> Result<()> {
        let at = to_micros(now());
        let sql = if error.is_some() {
            "UPDATE otel_settings SET last_error = ?1, last_error_at = ?2 WHERE id = 1"
        } else {
            "UPDATE otel_settings SET last_error = ?1, last_error_at = NULL, last_sent_at = ?2 WHERE id = 1"
        };
        sqlx::query(sql)
            .bind(error)
            .bind(at)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Empties the outbox; returns how many runs were waiting.
    pub async fn clear_otel_outbox(&self) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM otel_outbox")
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    /// How many finished runs wait in the outbox (runs still running wait there too, uncounted).
    pub async fn otel_outbox_len(&self) -> Result<i64> {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT count(*) FROM otel_outbox o JOIN runs r ON r.seq = o.seq \
             WHERE r.status NOT IN ({UNFINISHED})"
        ))
        .fetch_one(self.pool())
        .await?;
        Ok(n)
    }

    /// Takes up to `limit` due, finished runs from the outbox, oldest first, and leases them until
    /// `lease_until` (microseconds): another process looking meanwhile does not take them. One
    /// statement, so two processes never take the same run.
    pub async fn claim_otel_outbox(&self, limit: i64, lease_until: i64) -> Result<Vec<i64>> {
        let mut seqs: Vec<i64> = sqlx::query_scalar(&format!(
            "UPDATE otel_outbox SET not_before = ?1, attempts = attempts + 1 WHERE seq IN \
                 (SELECT o.seq FROM otel_outbox o JOIN runs r ON r.seq = o.seq \
                  WHERE o.not_before <= ?2 AND r.status NOT IN ({UNFINISHED}) \
                  ORDER BY o.seq LIMIT ?3) RETURNING seq"
        ))
        .bind(lease_until)
        .bind(to_micros(now()))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// Puts leased runs back, due again at `not_before` (microseconds; now for at once).
    pub async fn release_otel_outbox(&self, seqs: &[i64], not_before: i64) -> Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut query = QueryBuilder::<Sqlite>::new("UPDATE otel_outbox SET not_before = ");
        query.push_bind(not_before).push(" WHERE seq IN (");
        let mut list = query.separated(", ");
        for seq in seqs {
            list.push_bind(*seq);
        }
        query.push(")");
        query.build().execute(self.pool()).await?;
        Ok(())
    }

    /// Records that `endpoint` acknowledged these runs and takes them out of the outbox, in one
    /// transaction.
    pub async fn ack_otel(&self, endpoint: &str, seqs: &[i64]) -> Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut tx = crate::store::WriteTx::begin(self.pool()).await?;
        let mut query = QueryBuilder::<Sqlite>::new("DELETE FROM otel_outbox WHERE seq IN (");
        let mut list = query.separated(", ");
        for seq in seqs {
            list.push_bind(*seq);
        }
        query.push(")");
        query.build().execute(&mut *tx).await?;
        // A run deleted while its batch was in flight has no row to point at any more.
        let mut query =
            QueryBuilder::<Sqlite>::new("INSERT OR IGNORE INTO otel_acked (endpoint, seq) SELECT ");
        query
            .push_bind(endpoint)
            .push(", seq FROM runs WHERE seq IN (");
        let mut list = query.separated(", ");
        for seq in seqs {
            list.push_bind(*seq);
        }
        query.push(")");
        query.build().execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The time keys of the finished runs matching `filter` that `endpoint` has not acknowledged,
    /// oldest first: what a backfill sends.
    pub async fn otel_unacked(&self, filter: &RunFilter, endpoint: &str) -> Result<Vec<i64>> {
        // The filter's FROM and WHERE in a subquery, so the conditions below need not know
        // whether it wrote a WHERE.
        let mut query = QueryBuilder::<Sqlite>::new("SELECT s.seq FROM (SELECT r.seq, r.status");
        if !filter::push_from_where(&mut query, filter, None, Texts::Without).matches_any {
            return Ok(Vec::new());
        }
        query.push(format!(
            ") s WHERE s.status NOT IN ({UNFINISHED}) AND NOT EXISTS \
             (SELECT 1 FROM otel_acked a WHERE a.endpoint = "
        ));
        query
            .push_bind(endpoint)
            .push(" AND a.seq = s.seq) ORDER BY s.seq");
        let mut seqs: Vec<i64> = query.build_query_scalar().fetch_all(self.pool()).await?;
        seqs.sort_unstable();
        Ok(seqs)
    }

    /// How many runs matching `filter` `endpoint` has acknowledged already.
    pub async fn otel_acked_matching(&self, filter: &RunFilter, endpoint: &str) -> Result<i64> {
        let mut query = QueryBuilder::<Sqlite>::new("SELECT count(*) FROM (SELECT r.seq");
        if !filter::push_from_where(&mut query, filter, None, Texts::Without).matches_any {
            return Ok(0);
        }
        query.push(") s WHERE EXISTS (SELECT 1 FROM otel_acked a WHERE a.endpoint = ");
        query.push_bind(endpoint).push(" AND a.seq = s.seq)");
        let (n,): (i64,) = query.build_query_as().fetch_one(self.pool()).await?;
        Ok(n)
    }

    /// The runs with these time keys as span sources, in key order; the texts only when
    /// `with_texts`. Runs deleted meanwhile, and unfinished ones, are left out.
    pub async fn span_sources(&self, seqs: &[i64], with_texts: bool) -> Result<Vec<SpanSource>> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let texts = if with_texts {
            "t.prompt_text, t.response"
        } else {
            "NULL AS prompt_text, NULL AS response"
        };
        let mut query = QueryBuilder::<Sqlite>::new(format!(
            "SELECT r.seq, r.id, r.prompt_id, p.name AS prompt_name, r.created_at, r.model, \
             r.provider, v.kind AS provider_kind, v.base_url, r.status, r.input_tokens, \
             r.output_tokens, r.tokens_used, r.execution_time_ms, r.ttft_ms, r.stop_reason, r.error_message, \
             r.params, r.variables, {texts} FROM runs r \
             LEFT JOIN prompts p ON p.id = r.prompt_id \
             LEFT JOIN providers v ON v.name = r.provider"
        ));
        if with_texts {
            query.push(" JOIN run_texts t ON t.seq = r.seq");
        }
        query.push(" WHERE r.seq IN (");
        let mut list = query.separated(", ");
        for seq in seqs {
            list.push_bind(*seq);
        }
        query.push(format!(
            ") AND r.status NOT IN ({UNFINISHED}) ORDER BY r.seq"
        ));
        Ok(query.build_query_as().fetch_all(self.pool()).await?)
    }
}
