//! `prices update`: download the newest price data file the genai-prices project publishes and
//! keep it in the database, where the CLI and the app both read it. A failed download or a file
//! that does not decode changes nothing: the prices in use stay as they were.

use std::time::Duration;

use genai_prices::Calculator;

use crate::domain::now;
use crate::error::{Error, Result};
use crate::store::user_prices::PriceData;
use crate::store::Store;

/// Where the genai-prices project publishes its current data file.
pub const DATA_URL: &str = genai_prices::REMOTE_DATA_URL;

/// How long a download may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Largest file accepted (the file is under 1 MB today).
const MAX_BYTES: usize = 64 << 20;

/// What an update brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateReport {
    /// Where the file came from.
    pub url: String,
    /// Its size in bytes.
    pub bytes: usize,
    /// How many providers and models it prices.
    pub providers: usize,
    /// How many models it prices.
    pub models: usize,
}

/// Downloads the data file at `url` (normally [`DATA_URL`]), checks that it decodes, and keeps
/// it as the price table from now on. Runs already priced keep their cost until repriced.
pub async fn update(store: &Store, url: &str) -> Result<UpdateReport> {
    let failed = |why: String| {
        Error::invalid(format!(
            "cannot update the prices from {url}: {why}. The prices in use are unchanged \
             (the data bundled with Promptline unless an earlier update succeeded); try again \
             when online."
        ))
    };
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(crate::providers::CONNECT_TIMEOUT)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| failed(describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(failed(format!("the server answered HTTP {status}")));
    }
    let body = response.bytes().await.map_err(|e| failed(describe(&e)))?;
    if body.len() > MAX_BYTES {
        return Err(failed(format!(
            "the file is {} bytes, too large",
            body.len()
        )));
    }
    let calculator = Calculator::from_json(&body)
        .map_err(|e| failed(format!("the file is not genai-prices data ({e})")))?;
    let json =
        String::from_utf8(body.to_vec()).map_err(|_| failed("the file is not UTF-8".into()))?;
    let providers = calculator.providers().count();
    let models = calculator.providers().map(|p| p.models().count()).sum();
    store
        .set_price_data(Some(&PriceData {
            json,
            url: url.to_owned(),
            fetched_at: now(),
        }))
        .await?;
    Ok(UpdateReport {
        url: url.to_owned(),
        bytes: body.len(),
        providers,
        models,
    })
}

/// Goes back to the price data bundled with this release.
pub async fn use_bundled(store: &Store) -> Result<()> {
    store.set_price_data(None).await
}

fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "the download timed out".into()
    } else if error.is_connect() {
        "cannot connect (offline, or the address is blocked)".into()
    } else {
        // reqwest's message names the URL, which is public; no secret is involved here.
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}
