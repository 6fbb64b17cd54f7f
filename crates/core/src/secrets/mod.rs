//! Bound secrets: every secret Promptline keeps (provider API keys; OTLP headers and team database
//! passwords use the same API) is bound to **the database it belongs to** and **the origin it was
//! given for**, and is handed out only to a caller asking for that same binding.
//!
//! # The binding
//! A [`SecretBinding`] is four things:
//! - [`DatabaseId`]: the stable random id a database gets the first time it is opened
//!   ([`crate::Store::database_id`]). Two databases on one machine never see each other's secrets;
//!   a copy of a database file is the same database and keeps them.
//! - [`Purpose`]: what the secret is for (a provider key, OTLP export headers, a team database
//!   password), so two features can never read each other's entries.
//! - the owner: the name of the thing inside the database (the provider's name, the exporter's, ...).
//! - [`Origin`]: scheme, host and port of the server the secret goes to. A path change on the same
//!   origin keeps the secret; another scheme, host or port does not.
//!
//! # In the keychain
//! [`Vault`] keeps one OS keychain entry per binding (service [`crate::store::APP_IDENTIFIER`]), named by
//! [`SecretBinding::entry_name`], e.g.
//! `3f0c…9a/provider/openai@https://api.openai.com`. The value stored is a small JSON envelope with
//! the binding beside the secret; [`Vault::load`] checks it against the binding asked for before
//! returning anything, so an entry renamed, copied or written by hand to another name is refused
//! rather than sent. An index entry (`promptline/index`, names only, never values) lets
//! [`Vault::list`] show every stored secret on platforms whose keychains cannot be enumerated.
//!
//! # Using it
//! ```no_run
//! # fn demo(database: promptline_core::secrets::DatabaseId) -> promptline_core::Result<()> {
//! use promptline_core::keys::ApiKey;
//! use promptline_core::secrets::{Origin, Purpose, SecretBinding, Vault};
//!
//! let binding = SecretBinding::new(
//!     database,
//!     Purpose::OtlpHeaders,
//!     "default",
//!     Origin::parse("https://otel.example.com:4318/v1/traces")?,
//! );
//! Vault::store(&binding, &ApiKey::new("authorization=Bearer t0ken").unwrap())?;
//! // Later, before sending to the configured endpoint: ask with the endpoint's own origin.
//! let secret = Vault::load(&binding)?; // None when nothing is stored for exactly this binding
//! # let _ = secret; Ok(()) }
//! ```
//! Every call may wait on D-Bus or the OS keychain: call it from a blocking thread
//! (`spawn_blocking`) in async code.

pub(crate) mod platform;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keys::{ApiKey, KeyStorage};

/// The stable id of one history database: 32 lowercase hex digits, made at its first open and
/// kept in the database itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DatabaseId(String);

impl DatabaseId {
    /// Wraps an id read from a database; refuses anything but 8 to 64 hex digits, so an id can
    /// never carry a `/` or `@` into an entry name.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into().to_ascii_lowercase();
        if (8..=64).contains(&id.len()) && id.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(id))
        } else {
            Err(Error::invalid(format!("`{id}` is not a database id")))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatabaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a secret may be sent: scheme, host and port, the web's notion of an origin. Shown as
/// `https://api.openai.com` (the default port left out) or `http://127.0.0.1:8080`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an `http`, `https` (or, for database servers, `postgres`/`postgresql`) URL.
    /// Host names are compared lowercased; the scheme's default port is filled in.
    pub fn parse(url: &str) -> Result<Self> {
        let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
            Error::invalid(format!(
                "`{url}` is not a URL ({e}): write scheme://host[:port][/path]"
            ))
        })?;
        let scheme = parsed.scheme().to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            "postgres" | "postgresql" => 5432,
            other => {
                return Err(Error::invalid(format!(
                    "`{url}`: a secret can be bound to an http, https or postgres URL, not {other}"
                )))
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| Error::invalid(format!("`{url}` has no host")))?
            .to_ascii_lowercase();
        Ok(Self {
            port: parsed.port().unwrap_or(default_port),
            scheme: if scheme == "postgresql" {
                "postgres".to_owned()
            } else {
                scheme
            },
            host,
        })
    }

    /// The scheme: `http`, `https` or `postgres`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The host, lowercased (IPv6 addresses in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port, the scheme's default filled in.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn default_port(&self) -> bool {
        matches!(
            (self.scheme.as_str(), self.port),
            ("http", 80) | ("https", 443) | ("postgres", 5432)
        )
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.default_port() {
            write!(f, "{}://{}", self.scheme, self.host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Origin {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Origin::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What a secret is for. Each purpose has entries of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// A provider's API key (the owner is the provider's name).
    ProviderKey,
    /// Headers for an OpenTelemetry (OTLP) exporter, e.g. `authorization=Bearer …`.
    OtlpHeaders,
    /// The password of a team (PostgreSQL) database.
    DatabasePassword,
}

impl Purpose {
    /// The word used in entry names and listings: `provider`, `otlp`, `team-db`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProviderKey => "provider",
            Self::OtlpHeaders => "otlp",
            Self::DatabasePassword => "team-db",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Which database, what for, whose, and for which origin a secret is. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SecretBinding {
    /// The database the secret belongs to.
    pub database: DatabaseId,
    /// What it is for.
    pub purpose: Purpose,
    /// Whose it is inside the database: a provider's name, an exporter's name, ...
    pub owner: String,
    /// The only origin it may be sent to.
    pub origin: Origin,
}

impl SecretBinding {
    /// A binding; the owner is trimmed.
    pub fn new(
        database: DatabaseId,
        purpose: Purpose,
        owner: impl Into<String>,
        origin: Origin,
    ) -> Self {
        Self {
            database,
            purpose,
            owner: owner.into().trim().to_owned(),
            origin,
        }
    }

    /// The keychain entry's name: `DATABASE/PURPOSE/OWNER@ORIGIN`. Always contains a `/`, which
    /// no provider name (and so no entry stored by name alone) can.
    pub fn entry_name(&self) -> String {
        format!(
            "{}/{}/{}@{}",
            self.database, self.purpose, self.owner, self.origin
        )
    }

    /// The same binding for another origin.
    pub fn with_origin(&self, origin: Origin) -> Self {
        Self {
            origin,
            ..self.clone()
        }
    }
}

impl fmt::Display for SecretBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} `{}` for {} in database {}",
            self.purpose, self.owner, self.origin, self.database
        )
    }
}

/// A secret the keychain holds, as [`Vault::list`] reports it (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSecret {
    /// What it is bound to.
    #[serde(flatten)]
    pub binding: SecretBinding,
    /// Which store holds it.
    pub storage: KeyStorage,
}

/// What is stored in a keychain entry: the binding beside the secret.
#[derive(Serialize, Deserialize)]
struct Envelope {
    promptline_secret: u32,
    #[serde(flatten)]
    binding: SecretBinding,
    secret: String,
}

const ENVELOPE_VERSION: u32 = 1;

/// The entry listing every binding stored (names only).
const INDEX_ENTRY: &str = "promptline/index";

/// The OS keychain, holding bound secrets. All calls block (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct Vault;

impl Vault {
    /// Stores `secret` under `binding`, replacing what that binding held; says where it went.
    pub fn store(binding: &SecretBinding, secret: &ApiKey) -> Result<KeyStorage> {
        let envelope = Envelope {
            promptline_secret: ENVELOPE_VERSION,
            binding: binding.clone(),
            secret: secret.expose().to_owned(),
        };
        // Serializing strings cannot fail; the message never carries the value anyway.
        let value = serde_json::to_string(&envelope)
            .map_err(|_| Error::invalid("cannot encode a secret for the keychain"))?;
        let entry = binding.entry_name();
        let storage =
            platform::set(&entry, &value).map_err(|e| keychain_error("store", binding, e))?;
        Self::update_index(|index| {
            if !index.contains(binding) {
                index.push(binding.clone());
            }
        });
        Ok(storage)
    }

    /// The secret stored for exactly `binding`, if any. An entry whose envelope names another
    /// binding (or is not an envelope) is refused with an error; nothing is returned from it.
    pub fn load(binding: &SecretBinding) -> Result<Option<ApiKey>> {
        Ok(Self::load_with_storage(binding)?.map(|(key, _)| key))
    }

    fn load_with_storage(binding: &SecretBinding) -> Result<Option<(ApiKey, KeyStorage)>> {
        let (value, storage) = match platform::get(&binding.entry_name()) {
            Ok(found) => found,
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(keychain_error("read", binding, e)),
        };
        // serde_json's messages may quote the input: never pass them on.
        let envelope: Envelope = serde_json::from_str(&value).map_err(|_| {
            Error::invalid(format!(
                "the keychain entry `{}` is not one Promptline wrote, so it was not used: \
                 store the secret again (`promptline key set`)",
                binding.entry_name()
            ))
        })?;
        if envelope.promptline_secret != ENVELOPE_VERSION || &envelope.binding != binding {
            return Err(Error::invalid(format!(
                "the keychain entry `{}` holds a secret bound to {}, not to {}; it was not sent. \
                 Store the secret again for this origin (`promptline key set`)",
                binding.entry_name(),
                envelope.binding,
                binding
            )));
        }
        Ok(ApiKey::new(envelope.secret).map(|key| (key, storage)))
    }

    /// Deletes the secret stored under `binding`; returns whether there was one.
    pub fn remove(binding: &SecretBinding) -> Result<bool> {
        let removed = match platform::delete(&binding.entry_name()) {
            Ok(()) => true,
            Err(keyring::Error::NoEntry) => false,
            Err(e) => return Err(keychain_error("delete", binding, e)),
        };
        Self::update_index(|index| index.retain(|b| b != binding));
        Ok(removed)
    }

    /// Moves the secret stored under `from` to `to` (another origin, usually); returns whether
    /// there was one to move.
    pub fn relocate(from: &SecretBinding, to: &SecretBinding) -> Result<bool> {
        match Self::load(from)? {
            Some(secret) => {
                Self::store(to, &secret)?;
                Self::remove(from)?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Every secret stored, in binding order. Entries the index names but the keychain no longer
    /// holds are left out (and dropped from the index).
    pub fn list() -> Result<Vec<StoredSecret>> {
        let mut listed = Vec::new();
        let mut gone = Vec::new();
        for binding in Self::read_index()? {
            match Self::load_with_storage(&binding) {
                Ok(Some((_, storage))) => listed.push(StoredSecret { binding, storage }),
                Ok(None) => gone.push(binding),
                // Unreadable or mismatched: still listed, so `key rm` can clean it up.
                Err(_) => listed.push(StoredSecret {
                    binding,
                    storage: KeyStorage::Keychain,
                }),
            }
        }
        if !gone.is_empty() {
            Self::update_index(|index| index.retain(|b| !gone.contains(b)));
        }
        listed.sort_by(|a, b| a.binding.cmp(&b.binding));
        Ok(listed)
    }

    /// The bindings stored for one owner of one database, whatever their origin.
    pub fn bindings_of(
        database: &DatabaseId,
        purpose: Purpose,
        owner: &str,
    ) -> Result<Vec<SecretBinding>> {
        Ok(Self::list()?
            .into_iter()
            .map(|s| s.binding)
            .filter(|b| &b.database == database && b.purpose == purpose && b.owner == owner.trim())
            .collect())
    }

    fn read_index() -> Result<Vec<SecretBinding>> {
        match platform::get(INDEX_ENTRY) {
            // An index that cannot be parsed is rebuilt from what is stored from now on.
            Ok((value, _)) => Ok(serde_json::from_str(&value).unwrap_or_default()),
            Err(keyring::Error::NoEntry) => Ok(Vec::new()),
            Err(e) => Err(Error::invalid(format!(
                "cannot read Promptline's list of stored secrets from the OS keychain: {}",
                platform_cause(&e)
            ))),
        }
    }

    /// Best effort: the index only helps listing; the entries themselves are the truth.
    fn update_index(change: impl FnOnce(&mut Vec<SecretBinding>)) {
        let Ok(mut index) = Self::read_index() else {
            return;
        };
        change(&mut index);
        index.sort();
        index.dedup();
        if let Ok(value) = serde_json::to_string(&index) {
            let _ = platform::set(INDEX_ENTRY, &value);
        }
    }
}

/// The entries stored by provider name alone, before secrets were bound (Promptline 0.1). Read
/// once, by [`crate::keys::SystemKeys`], to move each into its bound form.
pub(crate) mod legacy {
    use super::platform;
    use crate::keys::ApiKey;

    /// The old entry for `provider`, if there is one (unreadable counts as none).
    pub fn take(provider: &str) -> Option<ApiKey> {
        platform::get(provider.trim())
            .ok()
            .and_then(|(value, _)| ApiKey::new(value))
    }

    /// Deletes the old entry for `provider`; true when there was one.
    pub fn delete(provider: &str) -> bool {
        platform::delete(provider.trim()).is_ok()
    }
}

fn platform_cause(error: &keyring::Error) -> String {
    // keyring's errors describe the platform failure; none of them carries the secret.
    match error {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => e.to_string(),
        other => other.to_string(),
    }
}

fn keychain_error(action: &str, binding: &SecretBinding, error: keyring::Error) -> Error {
    let hint = match binding.purpose {
        Purpose::ProviderKey => {
            " Set the provider's environment variable instead (see `promptline provider list`)"
        }
        _ => "",
    };
    Error::invalid(format!(
        "cannot {action} the {} in the OS keychain: {}.{hint}",
        binding,
        platform_cause(&error)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        let a = Origin::parse("https://API.openai.com/v1").unwrap();
        assert_eq!(a.to_string(), "https://api.openai.com");
        assert_eq!(
            a,
            Origin::parse("https://api.openai.com:443/other").unwrap()
        );
        assert_ne!(a, Origin::parse("http://api.openai.com/v1").unwrap());
        assert_ne!(a, Origin::parse("https://api.openai.com:8443/v1").unwrap());
        let local = Origin::parse("http://127.0.0.1:8080/v1").unwrap();
        assert_eq!(local.to_string(), "http://127.0.0.1:8080");
        assert_eq!(Origin::parse("http://[::1]:9/x").unwrap().host(), "[::1]");
        assert!(Origin::parse("localhost:11434").is_err());
        assert!(Origin::parse("file:///etc/passwd").is_err());
        let pg = Origin::parse("postgresql://db.example.com/team").unwrap();
        assert_eq!(pg.to_string(), "postgres://db.example.com");
    }

    #[test]
    fn entry_names_say_database_purpose_owner_and_origin() {
        let binding = SecretBinding::new(
            DatabaseId::new("0123456789abcdef0123456789abcdef").unwrap(),
            Purpose::ProviderKey,
            " lite ",
            Origin::parse("http://127.0.0.1:4000/v1").unwrap(),
        );
        assert_eq!(
            binding.entry_name(),
            "0123456789abcdef0123456789abcdef/provider/lite@http://127.0.0.1:4000"
        );
        assert!(DatabaseId::new("../etc").is_err());
        let json = serde_json::to_string(&binding).unwrap();
        assert_eq!(
            serde_json::from_str::<SecretBinding>(&json).unwrap(),
            binding
        );
    }
}
