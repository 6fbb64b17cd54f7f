//! `promptline settings`: the defaults beyond providers, shared with the desktop app.

use std::process::ExitCode;

use clap::Args;
use promptline_core::{Store, Theme};

use crate::output;

/// Arguments of `promptline settings`; without any, it shows the settings.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// The model runs use when neither --model nor the prompt names one (PROVIDER/MODEL or
    /// echo; `none` clears it)
    #[arg(long, value_name = "MODEL")]
    pub default_model: Option<String>,
    /// The time limit of a run when --timeout is not given, in seconds (`none` for 300)
    #[arg(long, value_name = "SECS")]
    pub default_timeout: Option<String>,
    /// The desktop app's theme: system, light or dark
    #[arg(long, value_name = "THEME")]
    pub theme: Option<String>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

fn none(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "" | "none" | "off"
    )
}

/// Runs `promptline settings`.
pub async fn execute(store: &Store, args: SettingsArgs) -> anyhow::Result<ExitCode> {
    let mut settings = store.user_settings().await?;
    let changing =
        args.default_model.is_some() || args.default_timeout.is_some() || args.theme.is_some();
    if let Some(model) = &args.default_model {
        settings.default_model = (!none(model)).then(|| model.trim().to_owned());
    }
    if let Some(timeout) = &args.default_timeout {
        settings.default_timeout_secs = if none(timeout) {
            None
        } else {
            match timeout.trim().parse::<u32>() {
                Ok(secs) if secs > 0 => Some(secs),
                _ => anyhow::bail!(
                    "--default-timeout takes a whole number of seconds, 1 or more (or none)"
                ),
            }
        };
    }
    if let Some(theme) = &args.theme {
        settings.theme = theme.parse::<Theme>()?;
    }
    if changing {
        settings = store.save_user_settings(&settings).await?;
    }
    if args.json {
        output::print_json(&settings)?;
    } else {
        outln!(
            "default model:    {}",
            settings.default_model.as_deref().unwrap_or("(none: echo)")
        );
        outln!(
            "default timeout:  {}",
            settings
                .default_timeout_secs
                .map_or_else(|| "(none: 300 s)".to_owned(), |s| format!("{s} s"))
        );
        outln!("theme:            {}", settings.theme.as_str());
    }
    Ok(ExitCode::SUCCESS)
}
