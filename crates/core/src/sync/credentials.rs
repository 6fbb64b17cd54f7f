//! Where a team member's database password lives: the OS keychain, as a secret bound to this
//! history database and to the team server's origin (see [`crate::secrets`]). The only place team
//! sync touches the keychain.

use crate::error::Result;
use crate::keys::{ApiKey, KeyStorage};
use crate::secrets::{DatabaseId, Origin, Purpose, SecretBinding, Vault};
use crate::sync::url::TeamUrl;

/// The binding of `url`'s user on its server. The owner is `USER:DATABASE`, so the entry name
/// reads `DB/team-db/alice:team@postgres://host:5432`.
fn binding(database: &DatabaseId, url: &TeamUrl) -> Result<SecretBinding> {
    let origin = Origin::parse(&format!("postgres://{}:{}", url.host, url.port))?;
    Ok(SecretBinding::new(
        database.clone(),
        Purpose::DatabasePassword,
        format!("{}:{}", url.user, url.database),
        origin,
    ))
}

/// Stores the password for `url`'s user and server, for this database only.
pub fn store(database: &DatabaseId, url: &TeamUrl, password: &ApiKey) -> Result<KeyStorage> {
    Vault::store(&binding(database, url)?, password)
}

/// The stored password for `url`'s user and server, if this database holds one.
pub fn load(database: &DatabaseId, url: &TeamUrl) -> Result<Option<ApiKey>> {
    Vault::load(&binding(database, url)?)
}

/// Removes the stored password; returns whether there was one.
pub fn forget(database: &DatabaseId, url: &TeamUrl) -> Result<bool> {
    Vault::remove(&binding(database, url)?)
}
