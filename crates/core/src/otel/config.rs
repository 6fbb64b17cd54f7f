//! Where the exporter sends and how: the stored settings, the header values from the OS keychain
//! and the standard `OTEL_*` environment variables, which win over the stored settings (they are
//! what a user sets for one shell or one service).

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::store::otel::OtelSettings;

/// The traces URL, used as it is.
pub const ENV_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// The base URL; `/v1/traces` is appended.
pub const ENV_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// Headers for traces, `key=value,key2=value2` (values percent-encoded).
pub const ENV_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
/// Headers for every signal.
pub const ENV_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// `http/protobuf` (the default) or `http/json`, for traces.
pub const ENV_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
/// The same for every signal.
pub const ENV_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// Milliseconds a request may take, for traces.
pub const ENV_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
/// The same for every signal.
pub const ENV_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
/// The service name on every span (default `promptline`).
pub const ENV_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
/// More resource attributes, `key=value,...`.
pub const ENV_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
/// `true` turns the exporter off whatever else is set.
pub const ENV_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
/// `true` turns content capture on (the variable the GenAI instrumentations read).
pub const ENV_CAPTURE_CONTENT: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

/// The request time limit when none is set (the OTLP default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Request headers for the collector. The values are secrets (API keys, basic auth): `Debug`
/// shows only the names, and there is no `Display`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Headers from `(name, value)` pairs; a later name replaces an earlier one. Names must be
    /// HTTP tokens and values printable, or the error says which name is wrong (never the value).
    pub fn new(pairs: impl IntoIterator<Item = (String, String)>) -> Result<Self> {
        let mut headers = Self::default();
        for (name, value) in pairs {
            headers.insert(name, value)?;
        }
        Ok(headers)
    }

    /// Parses `K=V` (as `--header` takes it).
    pub fn parse_pair(pair: &str) -> Result<(String, String)> {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            Error::invalid(
                "a header is NAME=VALUE, e.g. --header 'Authorization=Basic cGs6c2s=' \
                 (quote it so the shell keeps the spaces)",
            )
        })?;
        Ok((name.trim().to_owned(), value.trim().to_owned()))
    }

    /// Parses the environment's `key1=value1,key2=value2`, percent-decoding the values.
    pub fn parse_env(list: &str, variable: &str) -> Result<Self> {
        let mut headers = Self::default();
        for item in list.split(',').filter(|item| !item.trim().is_empty()) {
            let (name, value) = item.split_once('=').ok_or_else(|| {
                Error::invalid(format!(
                    "{variable} must be a comma-separated list of name=value (one item has no `=`)"
                ))
            })?;
            headers.insert(percent_decode(name.trim()), percent_decode(value.trim()))?;
        }
        Ok(headers)
    }

    fn insert(&mut self, name: String, value: String) -> Result<()> {
        let valid_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !valid_name {
            return Err(Error::invalid(format!(
                "`{name}` is not a header name: use letters, digits and - (e.g. Authorization)"
            )));
        }
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(Error::invalid(format!(
                "the value of header `{name}` has a line break or control character"
            )));
        }
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.0.push((name, value));
        Ok(())
    }

    /// These headers with `other`'s on top (a name in both takes `other`'s value).
    pub fn overlaid(mut self, other: &Headers) -> Self {
        for (name, value) in &other.0 {
            self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            self.0.push((name.clone(), value.clone()));
        }
        self
    }

    /// The header names, for display.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The pairs, for the request and the keychain only. Never format a value into text.
    pub fn expose(&self) -> &[(String, String)] {
        &self.0
    }

    /// Replaces every header value in `text` (an error a server sent back may quote one).
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (_, value) in &self.0 {
            if value.len() >= 4 {
                text = text.replace(value.as_str(), "<redacted>");
                // A basic-auth or bearer value is often echoed without its scheme.
                if let Some((_, token)) = value.split_once(' ').filter(|(_, t)| t.len() >= 4) {
                    text = text.replace(token, "<redacted>");
                }
            }
        }
        text
    }
}

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, "<redacted>")))
            .finish()
    }
}

/// How spans are encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// `application/x-protobuf`, what every collector takes.
    #[default]
    Protobuf,
    /// `application/json` (OTLP/JSON).
    Json,
}

/// Where a setting came from, for `otel show` and the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--endpoint` on the command line.
    Flag,
    /// The named environment variable.
    Env(&'static str),
    /// The database's settings (and the keychain, for headers).
    Settings,
}

impl Source {
    /// A few words for people.
    pub fn describe(self) -> String {
        match self {
            Self::Flag => "--endpoint".to_owned(),
            Self::Env(var) => format!("${var}"),
            Self::Settings => "settings".to_owned(),
        }
    }
}

/// Everything the exporter needs, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportConfig {
    /// The OTLP/HTTP traces URL.
    pub endpoint: String,
    /// Where the endpoint came from.
    pub endpoint_source: Source,
    /// Request headers (secret values).
    pub headers: Headers,
    /// Whether content goes into the spans.
    pub capture_content: bool,
    /// The wire encoding.
    pub protocol: Protocol,
    /// How long one request may take.
    pub timeout: Duration,
    /// Resource attributes, `service.name` first.
    pub resource: Vec<(String, String)>,
}

/// Checks a traces URL and returns it trimmed: http or https, and no user or password in it
/// (credentials go into a header, which is kept in the keychain; the URL is kept in the database).
pub fn validate_endpoint(url: &str) -> Result<String> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        Error::invalid(format!(
            "`{url}` is not a URL ({e}): give the traces URL, e.g. http://localhost:4318/v1/traces"
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::invalid(format!(
            "`{url}` is not an http(s) URL: OTLP/HTTP needs one, e.g. http://localhost:4318/v1/traces"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid(
            "the endpoint has a user name or password in it: give the URL without them and the \
             credentials as a header (e.g. --header 'Authorization=Basic ...'), which is kept in \
             the OS keychain",
        ));
    }
    Ok(url.to_owned())
}

/// The traces URL for a base `OTEL_EXPORTER_OTLP_ENDPOINT`.
pub fn traces_url_of_base(base: &str) -> String {
    let base = base.trim();
    if base.ends_with('/') {
        format!("{base}v1/traces")
    } else {
        format!("{base}/v1/traces")
    }
}

/// Resolves the configuration from the stored settings, their headers (from the keychain) and
/// `env`; `endpoint_flag` (the backfill's `--endpoint`) wins over both. `None` when no endpoint is
/// set anywhere, or `OTEL_SDK_DISABLED=true`.
pub fn resolve(
    settings: &OtelSettings,
    stored_headers: Headers,
    endpoint_flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<ExportConfig>> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if endpoint_flag.is_none() && env(ENV_SDK_DISABLED).is_some_and(|v| truthy(&v)) {
        return Ok(None);
    }
    let (endpoint, endpoint_source) = if let Some(flag) = endpoint_flag {
        (flag.to_owned(), Source::Flag)
    } else if let Some(url) = env(ENV_TRACES_ENDPOINT) {
        (url, Source::Env(ENV_TRACES_ENDPOINT))
    } else if let Some(base) = env(ENV_ENDPOINT) {
        (traces_url_of_base(&base), Source::Env(ENV_ENDPOINT))
    } else if let Some(url) = &settings.endpoint {
        (url.clone(), Source::Settings)
    } else {
        return Ok(None);
    };
    let endpoint = validate_endpoint(&endpoint).map_err(|e| match endpoint_source {
        Source::Env(var) => Error::invalid(format!("{var}: {e}")),
        _ => e,
    })?;
    // The stored headers were given for the stored endpoint: they go there and nowhere else (a
    // backfill's --endpoint or an environment's endpoint elsewhere gets only its own headers).
    let mut headers = if settings.endpoint.as_deref().map(str::trim) == Some(endpoint.as_str()) {
        stored_headers
    } else {
        Headers::default()
    };
    for var in [ENV_HEADERS, ENV_TRACES_HEADERS] {
        if let Some(list) = env(var) {
            headers = headers.overlaid(&Headers::parse_env(&list, var)?);
        }
    }
    let protocol = match env(ENV_TRACES_PROTOCOL).or_else(|| env(ENV_PROTOCOL)) {
        None => Protocol::Protobuf,
        Some(p) if p.trim() == "http/protobuf" => Protocol::Protobuf,
        Some(p) if p.trim() == "http/json" => Protocol::Json,
        Some(other) => {
            return Err(Error::invalid(format!(
                "OTLP protocol `{other}` is not supported: use http/protobuf (the default) or \
                 http/json, and an OTLP/HTTP endpoint (port 4318 on a collector)"
            )))
        }
    };
    let timeout = match env(ENV_TRACES_TIMEOUT).or_else(|| env(ENV_TIMEOUT)) {
        None => DEFAULT_TIMEOUT,
        Some(ms) => Duration::from_millis(ms.trim().parse().map_err(|_| {
            Error::invalid(format!(
                "{ENV_TIMEOUT} is `{ms}`: give the time limit in milliseconds"
            ))
        })?),
    };
    let capture_content =
        settings.capture_content || env(ENV_CAPTURE_CONTENT).is_some_and(|value| truthy(&value));
    Ok(Some(ExportConfig {
        endpoint,
        endpoint_source,
        headers,
        capture_content,
        protocol,
        timeout,
        resource: resource_attributes(&env),
    }))
}

/// `service.name` (from `OTEL_SERVICE_NAME`, then `OTEL_RESOURCE_ATTRIBUTES`, then `promptline`),
/// `service.version`, then the other resource attributes.
fn resource_attributes(env: &dyn Fn(&str) -> Option<String>) -> Vec<(String, String)> {
    let mut extra: Vec<(String, String)> = env(ENV_RESOURCE_ATTRIBUTES)
        .map(|list| {
            list.split(',')
                .filter_map(|item| item.split_once('='))
                .map(|(k, v)| (percent_decode(k.trim()), percent_decode(v.trim())))
                .filter(|(k, _)| !k.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let from_list = extra
        .iter()
        .position(|(k, _)| k == super::semconv::SERVICE_NAME)
        .map(|i| extra.remove(i).1);
    let name = env(ENV_SERVICE_NAME)
        .or(from_list)
        .unwrap_or_else(|| "promptline".to_owned());
    extra.retain(|(k, _)| k != super::semconv::SERVICE_VERSION);
    let mut attributes = vec![
        (super::semconv::SERVICE_NAME.to_owned(), name),
        (
            super::semconv::SERVICE_VERSION.to_owned(),
            super::span::VERSION.to_owned(),
        ),
    ];
    attributes.extend(extra);
    attributes
}

fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "on" | "yes"
    )
}

/// `%XX` sequences decoded (the W3C baggage octets the OTLP header variables use).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn stored(endpoint: &str) -> OtelSettings {
        OtelSettings {
            endpoint: Some(endpoint.to_owned()),
            ..Default::default()
        }
    }

    #[test]
    fn environment_wins_and_base_endpoints_get_the_traces_path() {
        let none = env_of(&[]);
        assert!(
            resolve(&OtelSettings::default(), Headers::default(), None, &none)
                .unwrap()
                .is_none()
        );
        let settings = stored("http://saved:4318/v1/traces");
        let config = resolve(&settings, Headers::default(), None, &none)
            .unwrap()
            .unwrap();
        assert_eq!(config.endpoint, "http://saved:4318/v1/traces");
        assert_eq!(config.endpoint_source, Source::Settings);

        let base = env_of(&[(ENV_ENDPOINT, "http://collector:4318")]);
        let config = resolve(&settings, Headers::default(), None, &base)
            .unwrap()
            .unwrap();
        assert_eq!(config.endpoint, "http://collector:4318/v1/traces");
        let traces = env_of(&[
            (ENV_ENDPOINT, "http://collector:4318"),
            (
                ENV_TRACES_ENDPOINT,
                "https://cloud.langfuse.com/api/public/otel/v1/traces",
            ),
        ]);
        let config = resolve(&settings, Headers::default(), None, &traces)
            .unwrap()
            .unwrap();
        assert_eq!(
            config.endpoint,
            "https://cloud.langfuse.com/api/public/otel/v1/traces"
        );
        let flag = resolve(
            &settings,
            Headers::default(),
            Some("http://flag/v1/traces"),
            &traces,
        )
        .unwrap()
        .unwrap();
        assert_eq!(flag.endpoint_source, Source::Flag);
        let disabled = env_of(&[(ENV_SDK_DISABLED, "true")]);
        assert!(resolve(&settings, Headers::default(), None, &disabled)
            .unwrap()
            .is_none());
    }

    #[test]
    fn headers_from_the_environment_overlay_the_stored_ones() {
        let stored_headers = Headers::new([
            ("Authorization".to_owned(), "Basic c3RvcmVk".to_owned()),
            ("x-team".to_owned(), "a".to_owned()),
        ])
        .unwrap();
        let env = env_of(&[
            (ENV_HEADERS, "authorization=Bearer%20tok%3D1,x-extra=2"),
            (ENV_SERVICE_NAME, "my-app"),
            (
                ENV_RESOURCE_ATTRIBUTES,
                "deployment.environment=dev,service.name=ignored",
            ),
        ]);
        let config = resolve(&stored("http://h/v1/traces"), stored_headers, None, &env)
            .unwrap()
            .unwrap();
        let pairs = config.headers.expose();
        assert!(pairs.contains(&("authorization".into(), "Bearer tok=1".into())));
        assert!(pairs.contains(&("x-team".into(), "a".into())));
        assert_eq!(pairs.len(), 3);
        assert_eq!(config.resource[0], ("service.name".into(), "my-app".into()));
        assert!(config
            .resource
            .contains(&("deployment.environment".into(), "dev".into())));
        assert!(!format!("{config:?}").contains("tok=1"));
    }

    #[test]
    fn stored_headers_go_only_to_the_stored_endpoint() {
        let none = env_of(&[]);
        let secret = Headers::new([("Authorization".into(), "Basic c2VjcmV0".into())]).unwrap();
        let settings = stored("https://cloud.langfuse.com/api/public/otel/v1/traces");
        let same = resolve(&settings, secret.clone(), None, &none)
            .unwrap()
            .unwrap();
        assert_eq!(same.headers, secret);
        let flag = resolve(
            &settings,
            secret.clone(),
            Some("http://other:4318/v1/traces"),
            &none,
        )
        .unwrap()
        .unwrap();
        assert!(flag.headers.is_empty());
        let env = env_of(&[(ENV_TRACES_ENDPOINT, "http://other:4318/v1/traces")]);
        let elsewhere = resolve(&settings, secret, None, &env).unwrap().unwrap();
        assert!(elsewhere.headers.is_empty());
    }

    #[test]
    fn bad_settings_say_what_to_do() {
        let none = env_of(&[]);
        let err = validate_endpoint("http://pk:sk@host/v1/traces").unwrap_err();
        assert!(err.to_string().contains("header"), "{err}");
        assert!(!err.to_string().contains("sk@"), "{err}");
        assert!(validate_endpoint("localhost:4318").is_err());
        let grpc = env_of(&[(ENV_PROTOCOL, "grpc")]);
        let err = resolve(
            &stored("http://h/v1/traces"),
            Headers::default(),
            None,
            &grpc,
        )
        .unwrap_err();
        assert!(err.to_string().contains("http/protobuf"), "{err}");
        assert!(Headers::parse_pair("no-equals").is_err());
        assert!(Headers::new([("bad name".into(), "v".into())]).is_err());
        assert!(resolve(
            &stored("http://h/v1/traces"),
            Headers::default(),
            None,
            &none
        )
        .is_ok());
    }

    #[test]
    fn scrub_hides_values_and_their_tokens() {
        let headers =
            Headers::new([("Authorization".into(), "Basic cGstbGY6c2stbGY=".into())]).unwrap();
        let text = headers.scrub("bad credentials cGstbGY6c2stbGY= (Basic cGstbGY6c2stbGY=)");
        assert!(!text.contains("cGstbGY6c2stbGY="), "{text}");
    }
}
