//! The model picker's list: `echo` first (always there, offline), then the history's models.

use promptline_core::providers::{echo, ProviderModels};

use crate::ipc::ModelOption;

/// Builds the picker's options from `(provider, model, runs)` rows, most used first. Rows whose
/// provider is unknown (some imports) cannot be run again and are left out.
pub fn options(history: &[(String, String, i64)]) -> Vec<ModelOption> {
    let mut options = vec![ModelOption {
        id: echo::PROVIDER_NAME.to_owned(),
        model: echo::PROVIDER_NAME.to_owned(),
        source: "builtin".to_owned(),
        runs: 0,
    }];
    for (provider, model, runs) in history {
        if provider == "unknown" {
            continue;
        }
        if provider == echo::PROVIDER_NAME {
            options[0].runs += runs;
            continue;
        }
        options.push(ModelOption {
            id: format!("{provider}/{model}"),
            model: model.clone(),
            source: "history".to_owned(),
            runs: *runs,
        });
    }
    options
}

/// The models each configured provider listed, as picker options (`echo` is already first).
pub fn from_providers(listed: &[ProviderModels]) -> Vec<ModelOption> {
    listed
        .iter()
        .filter(|p| p.provider != echo::PROVIDER_NAME)
        .flat_map(|p| {
            p.models.iter().map(|model| ModelOption {
                id: format!("{}/{model}", p.provider),
                model: model.clone(),
                source: "provider".to_owned(),
                runs: 0,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_comes_first_and_unknown_providers_are_left_out() {
        let rows = vec![
            ("openai".to_owned(), "gpt-4o-mini".to_owned(), 9),
            ("echo".to_owned(), "echo".to_owned(), 3),
            ("unknown".to_owned(), "mystery".to_owned(), 2),
        ];
        let ids: Vec<_> = options(&rows).into_iter().map(|o| (o.id, o.runs)).collect();
        assert_eq!(
            ids,
            [("echo".to_owned(), 3), ("openai/gpt-4o-mini".to_owned(), 9)]
        );
    }
}
