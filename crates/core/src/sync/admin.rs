//! What the team's admin does, connected as a role that may create roles (`CREATEROLE`) and
//! owns the team's database or may create schemas in it: apply the server schema, add and
//! remove members.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgPool;

use crate::error::{Error, Result};
use crate::keys::ApiKey;
use crate::sync::server::{self, failed, MIGRATOR};
use crate::sync::url::TeamUrl;

/// The group role every member is in; the table rights are granted to it.
pub const MEMBER_ROLE: &str = "promptline_member";

async fn admin_pool(admin_url: &str) -> Result<PgPool> {
    let url = TeamUrl::parse(admin_url)?;
    server::connect(&url, url.password.as_ref(), 1).await
}

/// Brings the server schema up to date (each migration in its own transaction); returns how
/// many migrations were applied now. Running it again applies nothing.
pub async fn init(admin_url: &str) -> Result<usize> {
    let pool = admin_pool(admin_url).await?;
    let before = applied(&pool).await;
    MIGRATOR.run(&pool).await.map_err(|e| {
        Error::Team(format!(
            "cannot set up the team schema: {e}. The admin needs CREATEROLE and the right to create \
             schemas in the database"
        ))
    })?;
    let after = applied(&pool).await;
    pool.close().await;
    Ok(after.saturating_sub(before))
}

async fn applied(pool: &PgPool) -> usize {
    sqlx::query_scalar::<_, i64>("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .map_or(0, |n| n as usize)
}

/// A member name: a PostgreSQL role name that needs no quoting (lower-case letters, digits and
/// `_`, starting with a letter, at most 63 bytes), so that users type it as it is.
pub fn checked_member_name(name: &str) -> Result<&str> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with("pg_")
        && name != MEMBER_ROLE;
    if valid {
        Ok(name)
    } else {
        Err(Error::invalid(format!(
            "`{name}` cannot name a team member: use lower-case letters, digits and `_`, starting \
             with a letter (e.g. alice or bob_smith)"
        )))
    }
}

/// Creates a login role `name` with `password`, in the member group, and its user row, in one
/// transaction. The password travels as a SCRAM-SHA-256 verifier, so it never appears in the
/// server's statement log.
pub async fn add_user(admin_url: &str, name: &str, password: &ApiKey) -> Result<()> {
    let name = checked_member_name(name)?;
    let pool = admin_pool(admin_url).await?;
    let mut tx = pool.begin().await.map_err(failed("adding a member"))?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)")
            .bind(name)
            .fetch_one(&mut *tx)
            .await
            .map_err(failed("adding a member"))?;
    if exists {
        return Err(Error::invalid(format!(
            "a role named `{name}` exists already on the server: pick another name, or remove it \
             first with `promptline team remove-user {name}`"
        )));
    }
    let verifier = scram_verifier(password.expose());
    // Role names and passwords cannot be bound as parameters; the name is checked above and the
    // verifier is base64 and `$`, so neither needs more than the quotes.
    sqlx::query(&format!(
        "CREATE ROLE \"{name}\" LOGIN INHERIT NOCREATEDB NOCREATEROLE PASSWORD '{verifier}' \
         IN ROLE {MEMBER_ROLE}"
    ))
    .execute(&mut *tx)
    .await
    .map_err(failed("creating the member's role"))?;
    sqlx::query(&format!(
        "GRANT CONNECT ON DATABASE \"{}\" TO \"{name}\"",
        database(&mut tx).await?
    ))
    .execute(&mut *tx)
    .await
    .map_err(failed("letting the member connect"))?;
    sqlx::query("INSERT INTO promptline.users (name) VALUES ($1)")
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            server::team_error("adding the member (has `promptline team init` run?)", e)
        })?;
    tx.commit().await.map_err(failed("adding a member"))?;
    pool.close().await;
    Ok(())
}

async fn database(tx: &mut sqlx::PgConnection) -> Result<String> {
    sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("reading the database name"))
}

/// Removes a member: their user row, with it every prompt and run of theirs on the server (the
/// team's copies go at their next sync), and their role. Returns whether they existed.
pub async fn remove_user(admin_url: &str, name: &str) -> Result<bool> {
    let name = checked_member_name(name)?;
    let pool = admin_pool(admin_url).await?;
    let mut tx = pool.begin().await.map_err(failed("removing a member"))?;
    let removed = sqlx::query("DELETE FROM promptline.users WHERE name = $1")
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(failed("removing the member's rows"))?
        .rows_affected();
    let is_member: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member \
         JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = $1 AND g.rolname = $2)",
    )
    .bind(name)
    .bind(MEMBER_ROLE)
    .fetch_one(&mut *tx)
    .await
    .map_err(failed("removing a member"))?;
    if is_member {
        let db = database(&mut tx).await?;
        sqlx::query(&format!("REVOKE ALL ON DATABASE \"{db}\" FROM \"{name}\""))
            .execute(&mut *tx)
            .await
            .map_err(failed("revoking the member's rights"))?;
        sqlx::query(&format!("DROP ROLE \"{name}\""))
            .execute(&mut *tx)
            .await
            .map_err(failed("dropping the member's role"))?;
    }
    tx.commit().await.map_err(failed("removing a member"))?;
    pool.close().await;
    Ok(removed > 0 || is_member)
}

/// A SCRAM-SHA-256 verifier for `password` (RFC 5802/7677, as PostgreSQL stores it):
/// `SCRAM-SHA-256$4096:salt$StoredKey:ServerKey`.
fn scram_verifier(password: &str) -> String {
    const ITERATIONS: u32 = 4096;
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let salted = pbkdf2_sha256(password.as_bytes(), &salt, ITERATIONS);
    let client_key = hmac_sha256(&salted, b"Client Key");
    let stored_key = Sha256::digest(client_key);
    let server_key = hmac_sha256(&salted, b"Server Key");
    format!(
        "SCRAM-SHA-256${ITERATIONS}:{}${}:{}",
        BASE64.encode(salt),
        BASE64.encode(stored_key),
        BASE64.encode(server_key)
    )
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// PBKDF2-HMAC-SHA256 with one output block (32 bytes), which is what SCRAM uses.
fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac_sha256(password, &first);
    let mut out = u;
    for _ in 1..iterations {
        u = hmac_sha256(password, &u);
        for (o, b) in out.iter_mut().zip(u) {
            *o ^= b;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_the_rfc_7914_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1).
        let out = pbkdf2_sha256(b"passwd", b"salt", 1);
        assert_eq!(out[..8], [0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f]);
    }

    #[test]
    fn member_names_are_plain_role_names() {
        assert!(checked_member_name("alice").is_ok());
        for bad in [
            "",
            "Alice",
            "1bob",
            "bob-smith",
            "pg_admin",
            MEMBER_ROLE,
            "a\"b",
        ] {
            assert!(checked_member_name(bad).is_err(), "{bad}");
        }
    }
}
