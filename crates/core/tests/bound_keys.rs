//! Keys go only where they were given (issue 21), against the real OS stores: a Secret Service
//! (GNOME Keyring in a private D-Bus session) and the kernel keyring fallback. The story runs
//! once per store in a child process of this test binary, so each gets the store it names and
//! nothing else in the environment.
//!
//! Two databases, one provider name, two servers that record the `Authorization` / `x-api-key`
//! they receive: each server receives only its own database's key. A base URL edit to another
//! origin sends no key; a path edit on the same origin keeps it; a confirmed move carries it. An
//! old entry stored by name alone is migrated, once. `Vault::list` shows every binding; removing a
//! provider removes its keys.

mod wire;

use std::path::Path;
use std::process::Command;

use promptline_core::keys::{ApiKey, KeyOrigin, KeySource, KeyStorage, SystemKeys};
use promptline_core::providers::{self, ModelRef, NewProvider, ProviderEdit, ProviderKind};
use promptline_core::runner::{self, RunSpec};
use promptline_core::secrets::{Origin, Purpose, SecretBinding, Vault};
use promptline_core::{RunStatus, Store};
use wire::{Reply, TestServer};

/// Which store the child process must find: `keychain` (Secret Service) or `kernel_keyring`.
const EXPECT_VAR: &str = "PROMPTLINE_TEST_EXPECT_STORAGE";

/// One story at a time: both use the user's kernel keyring when no Secret Service answers, and
/// two at once would remove each other's legacy entries.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_story_in_child(expect: &str, wrap: impl FnOnce(&Path, &str) -> Command) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let home = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut command = wrap(home.path(), exe.to_str().unwrap());
    let output = command
        .env(EXPECT_VAR, expect)
        // GNOME Keyring keeps its files under the data directory: a private one per run.
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .expect("start the child test");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "the story failed:\n{text}");
    assert!(
        text.contains("test the_story ... ok") && text.contains("1 passed"),
        "the story did not run:\n{text}"
    );
}

#[test]
fn with_a_secret_service() {
    run_story_in_child("keychain", |_, exe| {
        let mut command = Command::new("dbus-run-session");
        command.args([
            "--",
            "sh",
            "-c",
            // --unlock reads the login keyring's password on stdin and creates it: an unlocked
            // default collection, as on a desktop after logging in.
            "printf test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
             && exec \"$0\" --exact the_story --ignored --nocapture --test-threads 1",
            exe,
        ]);
        command
    });
}

#[test]
fn with_the_kernel_keyring() {
    run_story_in_child("kernel_keyring", |_, exe| {
        let mut command = Command::new(exe);
        command
            .args(["--exact", "the_story", "--ignored", "--nocapture"])
            // No session bus: the Secret Service cannot be reached, as on a server or container.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/promptline-test-bus",
            );
        command
    });
}

/// A server that answers every run of `kind` and records what it received.
async fn server(kind: ProviderKind) -> TestServer {
    TestServer::always(Reply::sse(wire::stream_events(kind, &["ok"], None))).await
}

/// The key a request carried, in the header `kind`'s API uses.
fn sent_key(kind: ProviderKind, request: &wire::Recorded) -> Option<String> {
    match kind {
        ProviderKind::Anthropic => request.header("x-api-key").map(str::to_owned),
        _ => request
            .header("authorization")
            .map(|v| v.trim_start_matches("Bearer ").to_owned()),
    }
}

async fn run_once(
    store: &Store,
    keys: &dyn KeySource,
    model: &ModelRef,
) -> promptline_core::Result<RunStatus> {
    let provider = providers::for_model(store, keys, model).await?;
    let run = runner::execute(
        store,
        provider,
        RunSpec::new("hello", model.clone()),
        tokio_util::sync::CancellationToken::new(),
        |_| {},
    )
    .await?;
    Ok(run.summary.status)
}

async fn add(store: &Store, name: &str, kind: ProviderKind, url: &str, env: Option<&str>) {
    store
        .add_provider(&NewProvider {
            name: name.into(),
            kind,
            base_url: url.into(),
            key_env: env.map(str::to_owned),
        })
        .await
        .unwrap();
}

/// Writes an entry the way Promptline 0.1 did: by the provider's name alone.
fn store_legacy_entry(expect: KeyStorage, provider: &str, key: &str) {
    match expect {
        KeyStorage::Keychain => {
            use keyring::credential::CredentialApi;
            keyring::secret_service::SsCredential::new_with_target(
                None,
                promptline_core::store::APP_IDENTIFIER,
                provider,
            )
            .unwrap()
            .set_password(key)
            .unwrap();
        }
        KeyStorage::KernelKeyring => {
            use linux_keyutils::{KeyRing, KeyRingIdentifier};
            let ring = KeyRing::get_persistent(KeyRingIdentifier::Session)
                .or_else(|_| KeyRing::from_special_id(KeyRingIdentifier::User, true))
                .unwrap();
            ring.add_key(
                &format!("{}:{provider}", promptline_core::store::APP_IDENTIFIER),
                key.as_bytes(),
            )
            .unwrap();
        }
    }
}

#[tokio::test]
#[ignore = "run by with_a_secret_service and with_the_kernel_keyring in the store they set up"]
async fn the_story() {
    let expect = match std::env::var(EXPECT_VAR).as_deref() {
        Ok("keychain") => KeyStorage::Keychain,
        Ok("kernel_keyring") => KeyStorage::KernelKeyring,
        other => {
            panic!("run through with_a_secret_service or with_the_kernel_keyring, not {other:?}")
        }
    };
    // Names unique to this run: the kernel keyring is shared by every process of the user.
    let tag = std::process::id();
    let name = format!("lite{tag}");

    for kind in [ProviderKind::OpenAi, ProviderKind::Anthropic] {
        let (server_a, server_b) = (server(kind).await, server(kind).await);
        let (_dir_a, store_a, _) = wire::file_store().await;
        let (_dir_b, store_b, _) = wire::file_store().await;
        let (keys_a, keys_b) = (
            SystemKeys::for_store(&store_a).await.unwrap(),
            SystemKeys::for_store(&store_b).await.unwrap(),
        );
        assert_ne!(
            keys_a.database(),
            keys_b.database(),
            "each database has its own id"
        );
        let var_a = format!("PROMPTLINE_TEST_{tag}_{kind}_A");
        let var_b = format!("PROMPTLINE_TEST_{tag}_{kind}_B");
        add(
            &store_a,
            &name,
            kind,
            &wire::base_url(kind, &server_a.url),
            Some(&var_a),
        )
        .await;
        add(
            &store_b,
            &name,
            kind,
            &wire::base_url(kind, &server_b.url),
            Some(&var_b),
        )
        .await;
        let model = ModelRef::parse(&format!("{name}/{}", wire::model_name(kind))).unwrap();

        // Database A keeps its key in the store; database B's is in its environment variable.
        let key_a = format!("sk-a-{kind}-{tag}");
        let key_b = format!("sk-b-{kind}-{tag}");
        let config_a = store_a.provider(&name).await.unwrap();
        let stored = keys_a
            .store_key(&config_a, &ApiKey::new(key_a.clone()).unwrap())
            .unwrap();
        assert_eq!(
            stored, expect,
            "{kind}: stored in the store this run set up"
        );
        std::env::set_var(&var_b, &key_b);

        assert_eq!(
            run_once(&store_a, &keys_a, &model).await.unwrap(),
            RunStatus::Success
        );
        assert_eq!(
            run_once(&store_b, &keys_b, &model).await.unwrap(),
            RunStatus::Success
        );
        let got = |s: &TestServer| -> Vec<Option<String>> {
            s.requests().iter().map(|r| sent_key(kind, r)).collect()
        };
        assert_eq!(
            got(&server_a),
            [Some(key_a.clone())],
            "{kind}: server A got only A's key"
        );
        assert_eq!(
            got(&server_b),
            [Some(key_b.clone())],
            "{kind}: server B got only B's key"
        );

        // Without its variable, database B has no key: nothing is sent, and the error says what
        // to do for B's origin.
        std::env::remove_var(&var_b);
        let missing = run_once(&store_b, &keys_b, &model).await.unwrap_err();
        assert_eq!(missing.code(), "missing_key");
        let origin_b = Origin::parse(&server_b.url).unwrap().to_string();
        assert!(missing.to_string().contains(&origin_b), "{missing}");
        assert!(
            missing.to_string().contains("takes precedence"),
            "{missing}"
        );
        assert_eq!(
            server_b.requests().len(),
            1,
            "{kind}: nothing more reached B"
        );

        // The environment variable wins over a stored key, and the status says so.
        std::env::set_var(&var_a, "sk-from-env");
        let status = keys_a.status(&config_a);
        assert_eq!(status.source, KeyOrigin::Env);
        assert_eq!(status.stored, Some(expect));
        assert_eq!(
            status.origin.as_ref().map(Origin::to_string),
            Some(Origin::parse(&server_a.url).unwrap().to_string())
        );
        run_once(&store_a, &keys_a, &model).await.unwrap();
        assert_eq!(
            sent_key(kind, &server_a.requests()[1]).as_deref(),
            Some("sk-from-env")
        );
        std::env::remove_var(&var_a);
        assert_eq!(keys_a.status(&config_a).source, KeyOrigin::Keychain);

        // A path change on the same origin keeps the key.
        let same_origin = format!("{}/", wire::base_url(kind, &server_a.url));
        store_a
            .update_provider(
                &name,
                &ProviderEdit {
                    base_url: Some(same_origin),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        run_once(&store_a, &keys_a, &model).await.unwrap();
        assert_eq!(sent_key(kind, &server_a.requests()[2]), Some(key_a.clone()));

        // An edit to another origin carries no key there: with a key variable the run stops
        // before sending; without one, the request goes out bare.
        let elsewhere = server(kind).await;
        let before = store_a.provider(&name).await.unwrap();
        store_a
            .update_provider(
                &name,
                &ProviderEdit {
                    base_url: Some(wire::base_url(kind, &elsewhere.url)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let stopped = run_once(&store_a, &keys_a, &model).await.unwrap_err();
        assert_eq!(stopped.code(), "missing_key");
        store_a
            .update_provider(
                &name,
                &ProviderEdit {
                    key_env: Some(None),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        run_once(&store_a, &keys_a, &model).await.unwrap();
        assert_eq!(elsewhere.requests().len(), 1);
        assert_eq!(
            sent_key(kind, &elsewhere.requests()[0]),
            None,
            "{kind}: no key to the new origin"
        );
        let moved_config = store_a.provider(&name).await.unwrap();
        let status = keys_a.status(&moved_config);
        assert_eq!(
            status.stored_for_other_origins,
            [Origin::parse(&server_a.url).unwrap()],
            "the key left behind is reported"
        );

        // After a confirmed move the key goes to the new origin, and no longer to the old one.
        assert!(keys_a.move_key(&moved_config, &before.base_url).unwrap());
        run_once(&store_a, &keys_a, &model).await.unwrap();
        assert_eq!(
            sent_key(kind, &elsewhere.requests()[1]),
            Some(key_a.clone())
        );
        assert!(keys_a
            .status(&moved_config)
            .stored_for_other_origins
            .is_empty());

        // Every stored secret is listed with its binding, never its value.
        let listed = Vault::list().unwrap();
        let mine: Vec<&SecretBinding> = listed
            .iter()
            .map(|s| &s.binding)
            .filter(|b| &b.database == keys_a.database())
            .collect();
        assert_eq!(mine.len(), 1, "{listed:?}");
        assert_eq!(mine[0].owner, name);
        assert_eq!(mine[0].purpose, Purpose::ProviderKey);
        assert_eq!(mine[0].origin, Origin::parse(&elsewhere.url).unwrap());
        assert!(!format!("{listed:?}").contains(&key_a));

        // Removing the provider removes its keys.
        store_a.remove_provider(&name).await.unwrap();
        assert_eq!(keys_a.remove_keys(&name).unwrap(), 1);
        assert!(Vault::list()
            .unwrap()
            .iter()
            .all(|s| &s.binding.database != keys_a.database()));
    }

    // An entry stored by name alone (before keys were bound) is migrated on first use, for the
    // provider's current origin, once.
    let legacy_name = format!("old{tag}");
    let legacy_key = format!("sk-legacy-{tag}");
    store_legacy_entry(expect, &legacy_name, &legacy_key);
    let old_server = server(ProviderKind::OpenAi).await;
    let (_dir, store, _) = wire::file_store().await;
    let keys = SystemKeys::for_store(&store).await.unwrap();
    let var = format!("PROMPTLINE_TEST_{tag}_LEGACY");
    add(
        &store,
        &legacy_name,
        ProviderKind::OpenAi,
        &format!("{}/v1", old_server.url),
        Some(&var),
    )
    .await;
    let model = ModelRef::parse(&format!("{legacy_name}/gpt-test")).unwrap();
    run_once(&store, &keys, &model).await.unwrap();
    assert_eq!(
        old_server.requests()[0].header("authorization"),
        Some(format!("Bearer {legacy_key}").as_str())
    );
    let binding = SecretBinding::new(
        keys.database().clone(),
        Purpose::ProviderKey,
        &legacy_name,
        Origin::parse(&old_server.url).unwrap(),
    );
    assert_eq!(
        Vault::load(&binding)
            .unwrap()
            .map(|k| k.expose().to_owned()),
        Some(legacy_key.clone())
    );
    // The old entry is gone: another database with the same provider name gets nothing from it.
    let (_dir2, other, _) = wire::file_store().await;
    let other_keys = SystemKeys::for_store(&other).await.unwrap();
    add(
        &other,
        &legacy_name,
        ProviderKind::OpenAi,
        &format!("{}/v1", old_server.url),
        Some(&var),
    )
    .await;
    assert_eq!(
        run_once(&other, &other_keys, &model)
            .await
            .unwrap_err()
            .code(),
        "missing_key"
    );
    assert_eq!(old_server.requests().len(), 1);
    assert!(keys.remove_keys(&legacy_name).unwrap() >= 1);

    // An entry whose envelope names another binding is refused, not sent.
    let victim = SecretBinding::new(
        keys.database().clone(),
        Purpose::ProviderKey,
        format!("victim{tag}"),
        Origin::parse("https://victim.example").unwrap(),
    );
    let thief = victim.with_origin(Origin::parse("https://thief.example").unwrap());
    Vault::store(&victim, &ApiKey::new("sk-victim").unwrap()).unwrap();
    // Copy the victim's stored value under the thief's entry name, as a tampered keychain would.
    copy_entry(expect, &victim.entry_name(), &thief.entry_name());
    let refused = Vault::load(&thief).unwrap_err().to_string();
    assert!(refused.contains("it was not sent"), "{refused}");
    assert!(!refused.contains("sk-victim"), "{refused}");
    Vault::remove(&victim).unwrap();
    Vault::remove(&thief).unwrap();
}

/// Copies a raw entry value from one name to another in the store under test.
fn copy_entry(expect: KeyStorage, from: &str, to: &str) {
    match expect {
        KeyStorage::Keychain => {
            use keyring::credential::CredentialApi;
            let id = promptline_core::store::APP_IDENTIFIER;
            let value = keyring::secret_service::SsCredential::new_with_target(None, id, from)
                .unwrap()
                .get_password()
                .unwrap();
            keyring::secret_service::SsCredential::new_with_target(None, id, to)
                .unwrap()
                .set_password(&value)
                .unwrap();
        }
        KeyStorage::KernelKeyring => {
            use linux_keyutils::{KeyRing, KeyRingIdentifier};
            let ring = KeyRing::get_persistent(KeyRingIdentifier::Session)
                .or_else(|_| KeyRing::from_special_id(KeyRingIdentifier::User, true))
                .unwrap();
            let id = promptline_core::store::APP_IDENTIFIER;
            let value = ring
                .search(&format!("{id}:{from}"))
                .unwrap()
                .read_to_vec()
                .unwrap();
            ring.add_key(&format!("{id}:{to}"), &value).unwrap();
        }
    }
}
