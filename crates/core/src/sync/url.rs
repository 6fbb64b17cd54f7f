//! Team server URLs: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?OPTIONS]`. The password is
//! taken out as soon as a URL is read; what is stored and shown never has one.

use std::fmt;

use crate::error::{Error, Result};
use crate::keys::ApiKey;

/// A parsed team server URL, its password split off.
#[derive(Clone, PartialEq, Eq)]
pub struct TeamUrl {
    /// The URL without a password (safe to store, show and log).
    pub url: String,
    /// The role to connect as.
    pub user: String,
    /// Host (or socket directory), port and database, for naming the keychain entry.
    pub host: String,
    /// The port (5432 unless given).
    pub port: u16,
    /// The database.
    pub database: String,
    /// The password the URL carried, if any.
    pub password: Option<ApiKey>,
}

impl fmt::Debug for TeamUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TeamUrl")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl TeamUrl {
    /// Parses a URL; a missing user or database is an error that says what to write.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::invalid(format!(
                "`{}` is not a team server URL: {why}; write postgres://USER@HOST[:PORT]/DATABASE",
                redact(text)
            ))
        };
        let mut url = url::Url::parse(text.trim()).map_err(|_| bad("it does not parse"))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(bad("the scheme must be postgres://"));
        }
        let user = percent_decode(url.username());
        if user.is_empty() {
            return Err(bad("it names no user"));
        }
        let password = url.password().map(percent_decode).and_then(ApiKey::new);
        let database = percent_decode(url.path().trim_start_matches('/'));
        if database.is_empty() {
            return Err(bad("it names no database"));
        }
        let host = url.host_str().unwrap_or("localhost").to_owned();
        let port = url.port().unwrap_or(5432);
        url.set_password(None).map_err(|_| bad("it has no host"))?;
        Ok(Self {
            url: url.to_string(),
            user,
            host,
            port,
            database,
            password,
        })
    }
}

/// A URL as it may be shown: its password, if any, replaced.
pub fn redact(text: &str) -> String {
    match url::Url::parse(text.trim()) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "(unreadable URL)".into(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(Ok(byte)) = text.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_split_off_and_never_shown() {
        let url = TeamUrl::parse("postgres://alice:s%40cret@db.example:6543/team?sslmode=require")
            .unwrap();
        assert_eq!(
            url.url,
            "postgres://alice@db.example:6543/team?sslmode=require"
        );
        assert_eq!(url.password.as_ref().unwrap().expose(), "s@cret");
        assert_eq!((url.user.as_str(), url.port), ("alice", 6543));
        assert!(!format!("{url:?}").contains("cret"));
        assert!(!redact("postgres://a:topsecret@h/d").contains("topsecret"));
    }

    #[test]
    fn urls_without_user_or_database_say_what_to_write() {
        for bad in [
            "postgres://db.example/team",
            "postgres://alice@db.example",
            "http://a@b/c",
        ] {
            let error = TeamUrl::parse(bad).unwrap_err().to_string();
            assert!(error.contains("postgres://USER@HOST"), "{error}");
        }
        assert!(!TeamUrl::parse("mysql://a:pw123@h")
            .unwrap_err()
            .to_string()
            .contains("pw123"));
    }
}
