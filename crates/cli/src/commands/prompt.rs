//! `promptline prompt ...`: saved prompts.

use std::process::ExitCode;

use clap::Subcommand;
use promptline_core::template;
use promptline_core::{NewPrompt, PromptEdit, PromptId, Store};
use serde::Serialize;

use crate::output::{self, count, local_time};

/// Prompt subcommands.
#[derive(Debug, Subcommand)]
pub enum PromptCommand {
    /// Save a new prompt and print its id
    Add {
        /// What to call it
        #[arg(long)]
        name: String,
        /// The template; `{{name}}` marks a variable
        #[arg(long)]
        text: String,
        /// The model runs use when none is given (PROVIDER/MODEL, or echo)
        #[arg(long)]
        model: Option<String>,
        /// A run parameter saved with it, such as temperature=0.2 or max_tokens=500 (value read
        /// as JSON when it is; repeat for each)
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// A system prompt saved with it
        #[arg(long)]
        system: Option<String>,
    },
    /// List prompts, most recently active first
    List {
        /// Only prompts whose name contains this
        #[arg(long)]
        search: Option<String>,
        /// At most this many
        #[arg(short = 'n', long, default_value_t = 200)]
        limit: i64,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show one prompt
    Show {
        /// The prompt's id
        id: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Change a prompt's name, text or default model
    Edit {
        /// The prompt's id
        id: String,
        /// A new name
        #[arg(long)]
        name: Option<String>,
        /// A new template
        #[arg(long)]
        text: Option<String>,
        /// A new default model (an empty value clears it)
        #[arg(long)]
        model: Option<String>,
        /// Set a saved run parameter (KEY=VALUE, value read as JSON when it is; an empty value
        /// removes it; repeat for each)
        #[arg(long = "param", value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// A new system prompt (an empty value removes it)
        #[arg(long)]
        system: Option<String>,
    },
    /// List the versions of a prompt's template and parameters, newest first, with their runs
    Versions {
        /// The prompt's id
        id: String,
        /// Show each version's template in full
        #[arg(long)]
        full: bool,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Save a copy of a prompt (its template, model and parameters; not its runs) and print the
    /// copy's id
    Duplicate {
        /// The prompt's id
        id: String,
    },
    /// Delete a prompt and all of its runs
    Rm {
        /// The prompt's id
        id: String,
    },
    /// Share a prompt with the team: its runs, past and future, become visible to every member
    /// at the next sync
    Share {
        /// The prompt's id
        id: String,
    },
    /// Make a shared prompt private again: teammates' copies go at their next sync
    Unshare {
        /// The prompt's id
        id: String,
    },
}

#[derive(Serialize)]
struct PromptDetail<'a> {
    #[serde(flatten)]
    prompt: &'a promptline_core::Prompt,
    variables: Vec<String>,
    run_count: i64,
}

/// Runs a prompt subcommand.
pub async fn execute(store: &Store, command: PromptCommand) -> anyhow::Result<ExitCode> {
    match command {
        PromptCommand::Add {
            name,
            text,
            model,
            params,
            system,
        } => {
            let prompt = store
                .create_prompt(&NewPrompt {
                    name,
                    template: text,
                    default_model: model,
                    params: crate::commands::run::parse_params(&params, system.as_deref())?,
                })
                .await?;
            outln!("{}", prompt.id);
        }
        PromptCommand::Versions { id, full, json } => {
            let versions = store.prompt_versions(&PromptId::from(id)).await?;
            if json {
                output::print_json(&versions)?;
            } else {
                outln!(
                    "{:>7}  {:<19}  {:>6}  {:<30}  TEMPLATE",
                    "VERSION",
                    "SAVED",
                    "RUNS",
                    "PARAMS"
                );
                for v in &versions {
                    let params = v
                        .params
                        .as_object()
                        .map(|p| {
                            p.iter()
                                .filter(|(k, _)| k.as_str() != "system")
                                .map(|(k, v)| format!("{k}={v}"))
                                .chain(p.contains_key("system").then(|| "system".to_owned()))
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default();
                    let params = if params.is_empty() {
                        "-".to_owned()
                    } else {
                        params
                    };
                    let text = if full {
                        format!("\n{}\n", v.template)
                    } else {
                        output::clip(
                            &v.template.split_whitespace().collect::<Vec<_>>().join(" "),
                            60,
                        )
                    };
                    outln!(
                        "{:>7}  {:<19}  {:>6}  {:<30}  {text}",
                        v.version,
                        local_time(v.created_at),
                        count(Some(v.run_count)),
                        output::clip(&params, 30),
                    );
                }
            }
        }
        PromptCommand::Duplicate { id } => {
            let copy = store.duplicate_prompt(&PromptId::from(id)).await?;
            outln!("{}", copy.id);
        }
        PromptCommand::List {
            search,
            limit,
            json,
        } => {
            let prompts = store.list_prompts(search.as_deref(), limit).await?;
            if json {
                output::print_json(&prompts)?;
            } else if prompts.is_empty() {
                eprintln!("No prompts yet. Add one: promptline prompt add --name NAME --text TEXT");
            } else {
                let color = output::color_stdout();
                outln!(
                    "{:<36}  {:<40}  {:>6}  {:>10}  {:<9}  LAST RUN",
                    "ID",
                    "NAME",
                    "RUNS",
                    "COST",
                    "STATUS"
                );
                for p in prompts {
                    let status = p
                        .last_status
                        .map(|s| output::status_cell(s, color))
                        .unwrap_or_else(|| format!("{:<9}", "-"));
                    let last = p
                        .last_run_at
                        .map(local_time)
                        .unwrap_or_else(|| "never".into());
                    let name = output::clip(&p.prompt.name, 40);
                    outln!(
                        "{:<36}  {name:<40}  {:>6}  {:>10}  {status}  {last}",
                        p.prompt.id,
                        count(Some(p.run_count)),
                        output::usd((p.priced_runs > 0).then_some(p.cost_usd)),
                    );
                }
            }
        }
        PromptCommand::Show { id, json } => {
            let id = PromptId::from(id);
            let prompt = store.prompt(&id).await?;
            let detail = PromptDetail {
                variables: template::variables(&prompt.template),
                run_count: store.prompt_run_count(&id).await?,
                prompt: &prompt,
            };
            if json {
                output::print_json(&detail)?;
            } else {
                outln!("id:         {}", prompt.id);
                outln!("name:       {}", prompt.name);
                outln!(
                    "model:      {}",
                    prompt
                        .default_model
                        .as_deref()
                        .unwrap_or("(none; runs use echo)")
                );
                outln!(
                    "variables:  {}",
                    if detail.variables.is_empty() {
                        "(none)".into()
                    } else {
                        detail.variables.join(", ")
                    }
                );
                outln!("version:    {}", prompt.version);
                if let Some(params) = prompt.params.as_object().filter(|p| !p.is_empty()) {
                    for (key, value) in params {
                        match value.as_str() {
                            Some(text) if key == "system" => outln!("system:     {text}"),
                            _ => outln!("param:      {key}={value}"),
                        }
                    }
                }
                outln!("runs:       {}", count(Some(detail.run_count)));
                outln!("created:    {}", local_time(prompt.created_at));
                outln!("updated:    {}", local_time(prompt.updated_at));
                outln!("\n{}", prompt.template);
            }
        }
        PromptCommand::Edit {
            id,
            name,
            text,
            model,
            params,
            system,
        } => {
            if name.is_none()
                && text.is_none()
                && model.is_none()
                && params.is_empty()
                && system.is_none()
            {
                anyhow::bail!(
                    "nothing to change: pass --name, --text, --model, --param or --system"
                );
            }
            let id = PromptId::from(id);
            let params = if params.is_empty() && system.is_none() {
                None
            } else {
                let saved = store.prompt(&id).await?.params;
                let changes = crate::commands::run::parse_params(&params, system.as_deref())?;
                Some(promptline_core::runner::merged_params(&saved, &changes))
            };
            let edit = PromptEdit {
                name,
                template: text,
                default_model: model.map(Some),
                params,
                amend_draft: false,
            };
            let prompt = store.edit_prompt(&id, &edit).await?;
            outln!("{}", prompt.id);
        }
        PromptCommand::Rm { id } => {
            let runs = store.delete_prompt(&PromptId::from(id.as_str())).await?;
            let noun = if runs == 1 { "run" } else { "runs" };
            outln!(
                "Deleted prompt {id} and its {} {noun}.",
                count(Some(runs as i64))
            );
        }
        PromptCommand::Share { id } => share(store, &id, true).await?,
        PromptCommand::Unshare { id } => share(store, &id, false).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn share(store: &Store, id: &str, shared: bool) -> anyhow::Result<()> {
    let prompt = store.set_prompt_shared(&PromptId::from(id), shared).await?;
    let when = if store.team_link().await?.is_some() {
        "at the next sync (promptline sync)"
    } else {
        "once you connect to a team (promptline team connect URL) and sync"
    };
    if shared {
        outln!(
            "Shared \"{}\" with the team: its runs reach teammates {when}.",
            prompt.name
        );
    } else {
        outln!(
            "\"{}\" is private again: teammates' copies go {when}.",
            prompt.name
        );
    }
    Ok(())
}
