//! Working out one run's cost: the offline echo provider is free; a price the user set wins;
//! otherwise the table's price for the provider and model at the run's time. A run without
//! token counts, from a self-hosted server, or of a model nobody prices has no cost.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use genai_prices::{ErrorKind, PriceRequest, Usage, UsageKey};

use crate::domain::{CostSource, NewRun, RunCost, TokenDetails};
use crate::error::Result;
use crate::prices::table::{self, Table};
use crate::providers::ProviderKind;
use crate::store::costs::PricingRow;
use crate::store::user_prices::UserPrice;
use crate::store::Store;

/// What pricing needs to know about a run.
#[derive(Debug, Clone, Copy)]
pub struct PriceInput<'a> {
    /// The configured provider that served it, e.g. `openai`.
    pub provider: &'a str,
    /// The model as requested.
    pub model: &'a str,
    /// The model the provider reported answering, when it did and it differs from the request.
    pub resolved_model: Option<&'a str>,
    /// When it ran.
    pub created_at: DateTime<Utc>,
    /// Prompt-side tokens (cache reads and writes included).
    pub input_tokens: Option<i64>,
    /// Completion-side tokens (reasoning included).
    pub output_tokens: Option<i64>,
    /// Cache reads and writes, reasoning.
    pub token_details: TokenDetails,
}

impl<'a> From<&'a NewRun> for PriceInput<'a> {
    fn from(run: &'a NewRun) -> Self {
        Self {
            provider: &run.provider,
            model: &run.model,
            resolved_model: run.origin.resolved_model.as_deref(),
            created_at: run.created_at,
            input_tokens: run.input_tokens,
            output_tokens: run.output_tokens,
            token_details: run.token_details,
        }
    }
}

impl<'a> From<&'a PricingRow> for PriceInput<'a> {
    fn from(row: &'a PricingRow) -> Self {
        Self {
            provider: &row.provider,
            model: &row.model,
            resolved_model: row.resolved_model.as_deref(),
            created_at: row.created_at,
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            token_details: row.token_details,
        }
    }
}

/// A configured provider, as far as pricing cares.
struct ProviderFacts {
    kind: ProviderKind,
    base_url: String,
}

/// Prices runs with one snapshot of the prices: the table, the user's prices and the providers.
pub struct Pricer {
    table: Table,
    user: Vec<UserPrice>,
    providers: HashMap<String, ProviderFacts>,
}

/// Token counts split the way prices are quoted.
#[derive(Debug, Clone, Copy)]
struct Tokens {
    /// All input tokens.
    input: i64,
    output: i64,
    /// Cache reads (at most `input`).
    cached: i64,
    /// Cache writes (at most what is left of `input`).
    cache_write: i64,
    /// Reasoning (at most `output`).
    reasoning: i64,
}

impl Tokens {
    fn of(run: &PriceInput<'_>) -> Option<Self> {
        let input = run.input_tokens?.max(0);
        let output = run.output_tokens?.max(0);
        let details = run.token_details;
        let cached = details.cached_tokens.unwrap_or(0).clamp(0, input);
        let cache_write = details
            .cache_write_tokens
            .unwrap_or(0)
            .clamp(0, input - cached);
        let reasoning = details.reasoning_tokens.unwrap_or(0).clamp(0, output);
        Some(Self {
            input,
            output,
            cached,
            cache_write,
            reasoning,
        })
    }
}

impl Pricer {
    /// Reads the prices `store` uses now.
    pub async fn load(store: &Store) -> Result<Self> {
        let table = table::current(store).await?;
        let user = store.user_prices().await?;
        let providers = store
            .list_providers()
            .await?
            .into_iter()
            .map(|config| {
                (
                    config.name,
                    ProviderFacts {
                        kind: config.kind,
                        base_url: config.base_url,
                    },
                )
            })
            .collect();
        Ok(Self {
            table,
            user,
            providers,
        })
    }

    /// The cost of one run, and where it came from.
    pub fn price(&self, run: &PriceInput<'_>) -> RunCost {
        let facts = self.providers.get(run.provider);
        let is_echo = match facts {
            Some(facts) => facts.kind == ProviderKind::Echo,
            None => run.provider == "echo",
        };
        if is_echo {
            return RunCost {
                usd: Some(0.0),
                source: CostSource::Free,
                priced_as: Some("echo".into()),
            };
        }
        let Some(tokens) = Tokens::of(run) else {
            return RunCost::none(CostSource::NoTokens);
        };
        let user_price = self.user_price(run.provider, run.model).or_else(|| {
            run.resolved_model
                .and_then(|resolved| self.user_price(run.provider, resolved))
        });
        if let Some(price) = user_price {
            return RunCost {
                usd: Some(user_cost(price, tokens)),
                source: CostSource::User,
                priced_as: Some(if price.provider.is_empty() {
                    price.model.clone()
                } else {
                    format!("{}/{}", price.provider, price.model)
                }),
            };
        }
        self.table_cost(run, facts, tokens)
    }

    /// The user's price for this model on this provider, or for this model on any provider.
    fn user_price(&self, provider: &str, model: &str) -> Option<&UserPrice> {
        let model_is = |p: &&UserPrice| p.model.eq_ignore_ascii_case(model);
        self.user
            .iter()
            .filter(model_is)
            .find(|p| p.provider.eq_ignore_ascii_case(provider))
            .or_else(|| {
                self.user
                    .iter()
                    .filter(model_is)
                    .find(|p| p.provider.is_empty())
            })
    }

    /// The table's price for the model as requested, or, when the table does not know that
    /// name, for the model the provider said answered (an alias's dated id, say).
    fn table_cost(
        &self,
        run: &PriceInput<'_>,
        facts: Option<&ProviderFacts>,
        tokens: Tokens,
    ) -> RunCost {
        let requested = self.table_cost_of(run.model, run, facts, tokens);
        match run.resolved_model {
            Some(resolved)
                if requested.source == CostSource::Unknown
                    && !resolved.eq_ignore_ascii_case(run.model) =>
            {
                let by_resolved = self.table_cost_of(resolved, run, facts, tokens);
                if by_resolved.source == CostSource::Table {
                    by_resolved
                } else {
                    requested
                }
            }
            _ => requested,
        }
    }

    /// The table's price for `model`. The provider is found by its name (`openai`, `anthropic`,
    /// `gemini`, `deepseek`, ...), then by its API address; a server on this machine is
    /// self-hosted.
    fn table_cost_of(
        &self,
        model: &str,
        run: &PriceInput<'_>,
        facts: Option<&ProviderFacts>,
        tokens: Tokens,
    ) -> RunCost {
        let usage = table_usage(tokens);
        let calculator = self.table.calculator();
        let request = PriceRequest::new(model, &usage)
            .with_provider_id(run.provider)
            .with_timestamp(run.created_at);
        let mut result = calculator.calculate(&request);
        if matches!(&result, Err(e) if e.kind() == ErrorKind::ProviderNotFound) {
            if let Some(facts) = facts.filter(|f| !f.base_url.is_empty()) {
                if is_local(&facts.base_url) {
                    return RunCost::none(CostSource::Local);
                }
                let by_url = PriceRequest::new(model, &usage)
                    .with_provider_api_url(&facts.base_url)
                    .with_timestamp(run.created_at);
                result = calculator.calculate(&by_url);
            }
        }
        match result {
            Ok(price) if price.total_price.is_finite() && price.total_price >= 0.0 => RunCost {
                usd: Some(price.total_price),
                source: CostSource::Table,
                priced_as: Some(format!("{}/{}", price.provider_id, price.model_id)),
            },
            _ => RunCost::none(CostSource::Unknown),
        }
    }
}

/// The run's tokens in the table's terms: cache reads and writes are parts of the input tokens,
/// reasoning a part of the output tokens, each priced at its own rate where the table has one.
fn table_usage(tokens: Tokens) -> Usage {
    let mut usage = Usage::from([
        (UsageKey::INPUT_TOKENS, tokens.input as f64),
        (UsageKey::OUTPUT_TOKENS, tokens.output as f64),
    ]);
    if tokens.cached > 0 {
        usage.insert(UsageKey::CACHE_READ_TOKENS, tokens.cached as f64);
    }
    if tokens.cache_write > 0 {
        usage.insert(UsageKey::CACHE_WRITE_TOKENS, tokens.cache_write as f64);
    }
    if tokens.reasoning > 0 {
        usage.insert(UsageKey::OUTPUT_REASONING_TOKENS, tokens.reasoning as f64);
    }
    usage
}

/// A user price: cache reads at the cached rate (the input rate when none is set), everything
/// else at the input and output rates.
fn user_cost(price: &UserPrice, tokens: Tokens) -> f64 {
    let fresh = (tokens.input - tokens.cached) as f64;
    let cached_rate = price.cached_per_mtok.unwrap_or(price.input_per_mtok);
    (fresh * price.input_per_mtok
        + tokens.cached as f64 * cached_rate
        + tokens.output as f64 * price.output_per_mtok)
        / 1_000_000.0
}

/// Whether an API address is a server on this machine (Ollama, LM Studio, llama.cpp).
fn is_local(base_url: &str) -> bool {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host == "::1"
        || host == "0.0.0.0"
        || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses_are_recognised() {
        for url in [
            "http://localhost:11434/v1",
            "http://127.0.0.1:1234/v1",
            "http://[::1]:8080",
            "http://box.local/v1",
        ] {
            assert!(is_local(url), "{url}");
        }
        for url in [
            "https://api.openai.com/v1",
            "https://api.groq.com/openai/v1",
        ] {
            assert!(!is_local(url), "{url}");
        }
    }

    #[test]
    fn token_parts_never_exceed_their_whole() {
        let run = PriceInput {
            provider: "openai",
            model: "gpt-4o",
            resolved_model: None,
            created_at: Utc::now(),
            input_tokens: Some(100),
            output_tokens: Some(10),
            token_details: TokenDetails {
                cached_tokens: Some(80),
                cache_write_tokens: Some(50),
                reasoning_tokens: Some(30),
            },
        };
        let tokens = Tokens::of(&run).unwrap();
        assert_eq!((tokens.cached, tokens.cache_write), (80, 20));
        assert_eq!(tokens.reasoning, 10);
    }
}
