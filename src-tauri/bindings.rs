//! The UI's TypeScript types are generated from these Rust types with ts-rs. The test fails when
//! ui/src/lib/generated is stale; `UPDATE_BINDINGS=1 cargo test -p promptline-app bindings`
//! rewrites it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use promptline_core::diff::FieldDiff;
use promptline_core::store::retention::{
    NewRetentionRule, RetentionOutcome, RetentionPlan, RetentionRule,
};
use promptline_core::store::search::SearchHit;
use promptline_core::store::storage::{CompactOutcome, StorageReport};
use promptline_core::store::tags::TagCount;
use promptline_core::{
    Annotation, Deletion, Prompt, PromptSummary, Rating, RatingFilter, Run, RunFilter, RunHead,
    RunStats, RunStatus, RunSummary,
};
use ts_rs::TS;

use crate::error::CommandError;
use crate::import::{LlmOffer, SourceCount};
use crate::ipc::{
    KeyMove, ModelOption, OtelInput, PromptInput, ProviderInfo, ProviderInput, ProviderTest,
    RunEventPayload, RunFinishedPayload, RunsPage, StartRun,
};
use promptline_core::importers::{FileImport, ImportProgress};
use promptline_core::otel::ExporterStatus;

fn generated_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/generated")
}

/// Exports every type the UI uses (and what they reference) into `dir`. JSON carries our `i64`s
/// (counts, milliseconds, tokens: all far below 2^53) as plain numbers, so they are `number`s.
fn export_into(dir: &Path) -> BTreeMap<String, String> {
    macro_rules! export {
        ($($ty:ty),* $(,)?) => {
            $(<$ty>::export_all_to(dir).expect(concat!("export ", stringify!($ty)));)*
        };
    }
    export!(
        Prompt,
        PromptSummary,
        RunStatus,
        RunSummary,
        Run,
        RunHead,
        RunFilter,
        Deletion,
        RunStats,
        SearchHit,
        CommandError,
        ModelOption,
        PromptInput,
        RunEventPayload,
        RunFinishedPayload,
        RunsPage,
        StartRun,
        ProviderInfo,
        ProviderInput,
        ProviderTest,
        crate::team::TeamStatus,
        promptline_core::Whose,
        Annotation,
        Rating,
        RatingFilter,
        TagCount,
        FieldDiff,
        NewRetentionRule,
        RetentionRule,
        RetentionPlan,
        RetentionOutcome,
        StorageReport,
        CompactOutcome,
        FileImport,
        ImportProgress,
        LlmOffer,
        SourceCount,
        ExporterStatus,
        OtelInput,
        crate::prices::PriceSettings,
        crate::prices::UserPriceInput,
        promptline_core::prices::BudgetStatus,
        KeyMove,
        promptline_core::PromptVersion,
        promptline_core::PromptMemory,
        promptline_core::UserSettings,
        promptline_core::Theme,
    );
    let mut files = BTreeMap::new();
    collect(dir, dir, &mut files);
    for (name, text) in files.iter_mut() {
        *text = text.replace("bigint", "number");
        std::fs::write(dir.join(name), text.as_bytes()).expect("rewrite binding");
    }
    files
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).expect("read bindings dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let name = path.strip_prefix(root).expect("inside root");
            let text = std::fs::read_to_string(&path).expect("read binding");
            files.insert(name.to_string_lossy().replace('\\', "/"), text);
        }
    }
}

#[test]
fn generated_typescript_is_up_to_date() {
    let fresh_dir = tempfile::tempdir().expect("temp dir");
    let fresh = export_into(fresh_dir.path());
    let target = generated_dir();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        if target.exists() {
            std::fs::remove_dir_all(&target).expect("clear generated dir");
        }
        std::fs::create_dir_all(&target).expect("create generated dir");
        export_into(&target);
        return;
    }
    let mut current = BTreeMap::new();
    if target.exists() {
        collect(&target, &target, &mut current);
    }
    assert!(
        fresh == current,
        "ui/src/lib/generated is stale (files differ: {:?}); regenerate it with \
         `UPDATE_BINDINGS=1 cargo test -p promptline-app bindings`",
        fresh
            .keys()
            .chain(current.keys())
            .filter(|k| fresh.get(*k) != current.get(*k))
            .collect::<std::collections::BTreeSet<_>>()
    );
}
