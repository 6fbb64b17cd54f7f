//! The `database_meta` table: this database's stable id, which secrets are bound to.

use crate::error::{Error, Result};
use crate::secrets::DatabaseId;
use crate::store::Store;

impl Store {
    /// This database's stable id: made by its first open (a migration), never changed after, and
    /// the same for a copy of the file. Secrets in the keychain are bound to it.
    pub async fn database_id(&self) -> Result<DatabaseId> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT value FROM database_meta WHERE key = 'database_id'")
                .fetch_optional(self.pool())
                .await?;
        let (id,) = row.ok_or_else(|| {
            Error::invalid("this database has no id (its `database_meta` table was emptied)")
        })?;
        DatabaseId::new(id)
    }
}
