//! Where a team member's database password lives: the OS keychain, one entry per user and
//! server. The only place team sync touches the keychain.

use crate::error::Result;
use crate::keys::{ApiKey, KeyStorage, Keychain};
use crate::sync::url::TeamUrl;

/// The keychain entry's name for a user on a server (`team:USER@HOST:PORT/DATABASE`). Provider
/// names cannot hold `:`, so it never meets a provider's key.
fn entry(url: &TeamUrl) -> String {
    format!(
        "team:{}@{}:{}/{}",
        url.user, url.host, url.port, url.database
    )
}

/// Stores the password for `url`'s user and server.
pub fn store(url: &TeamUrl, password: &ApiKey) -> Result<KeyStorage> {
    Keychain::set(&entry(url), password)
}

/// The stored password for `url`'s user and server, if any.
pub fn load(url: &TeamUrl) -> Result<Option<ApiKey>> {
    Keychain::get(&entry(url))
}

/// Removes the stored password; returns whether there was one.
pub fn forget(url: &TeamUrl) -> Result<bool> {
    Keychain::delete(&entry(url))
}
