//! `promptline retention`, `gc` and `compact`: keeping the history tidy.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use promptline_core::store::retention::{NewRetentionRule, RetentionPlan};
use promptline_core::{PromptId, Store};

use crate::output::{self, count};

/// `promptline retention ...`.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Add a rule, or replace the rule of the same kind for the same scope
    Set(SetArgs),
    /// List the rules and what each would delete now
    List(ListArgs),
    /// Remove a rule by its number (see `retention list`)
    Rm(RmArgs),
}

/// Arguments of `promptline retention set`.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// Only for this prompt's runs (its rule replaces the global rule of the same kind for them)
    #[arg(long, value_name = "PROMPT_ID")]
    pub prompt: Option<String>,
    /// Keep the runs of the last N days
    #[arg(long, value_name = "N", group = "limit")]
    pub keep_days: Option<i64>,
    /// Keep the last N runs of each prompt
    #[arg(long, value_name = "N", group = "limit")]
    pub keep_runs: Option<i64>,
    /// Keep the history (or the prompt's runs) under N MB, deleting the oldest runs first
    #[arg(long, value_name = "N", group = "limit")]
    pub max_mb: Option<i64>,
    /// Say what the rule would delete, and do not save it
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `promptline retention list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `promptline retention rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The rule's number
    #[arg(value_name = "RULE")]
    pub id: i64,
}

/// Arguments of `promptline gc`.
#[derive(Debug, Args)]
pub struct GcArgs {
    /// Say what the rules would delete, and delete nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON (the plan with --dry-run, else what was deleted)
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `promptline compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Runs a `retention` subcommand.
pub async fn retention(store: &Store, command: RetentionCommand) -> anyhow::Result<ExitCode> {
    match command {
        RetentionCommand::Set(args) => {
            let rule = NewRetentionRule {
                prompt_id: args.prompt.as_deref().map(PromptId::from),
                keep_days: args.keep_days,
                keep_runs: args.keep_runs,
                max_mb: args.max_mb,
            };
            rule.validate()?;
            if let Some(prompt) = &rule.prompt_id {
                store.prompt(prompt).await?;
            }
            let plan = store
                .plan_retention(Some(&rule), promptline_core::now())
                .await?;
            if args.dry_run {
                println!(
                    "Dry run: with this rule ({}), the rules would delete {} ({}). Nothing was saved.",
                    rule.describe(),
                    runs(plan.runs),
                    mb(plan.bytes)
                );
                return Ok(ExitCode::SUCCESS);
            }
            let saved = store.set_retention_rule(&rule).await?;
            println!(
                "Rule {}: {}{}.",
                saved.id,
                rule.describe(),
                scope(&saved.prompt_name, &rule)
            );
            println!(
                "The rules would delete {} ({}) now: `promptline gc` applies them (the app does at start and daily).",
                runs(plan.runs),
                mb(plan.bytes)
            );
        }
        RetentionCommand::List(args) => {
            let rules = store.retention_rules().await?;
            if args.json {
                output::print_json(&rules)?;
                return Ok(ExitCode::SUCCESS);
            }
            if rules.is_empty() {
                eprintln!("No retention rules: every run is kept. Add one: promptline retention set --keep-days 90");
                return Ok(ExitCode::SUCCESS);
            }
            let plan = store.plan_retention(None, promptline_core::now()).await?;
            println!(
                "{:>4}  {:<28}  {:<40}  WOULD DELETE",
                "RULE", "FOR", "KEEPS"
            );
            for rule in &rules {
                let effect = plan.rules.iter().find(|e| e.rule_id == Some(rule.id));
                println!(
                    "{:>4}  {:<28}  {:<40}  {}",
                    rule.id,
                    output::clip(
                        &rule
                            .prompt_name
                            .clone()
                            .or_else(|| rule.rule.prompt_id.as_ref().map(|p| p.0.clone()))
                            .unwrap_or_else(|| "all runs".into()),
                        28
                    ),
                    rule.rule.describe(),
                    runs(effect.map_or(0, |e| e.runs))
                );
            }
            println!(
                "\nIn all: {} ({}); {} rated up or tagged `keep` are never deleted.",
                runs(plan.runs),
                mb(plan.bytes),
                runs(plan.protected)
            );
        }
        RetentionCommand::Rm(args) => {
            store.remove_retention_rule(args.id).await?;
            println!("Removed rule {}.", args.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies the retention rules, or says what they would delete.
pub async fn gc(store: &Store, args: GcArgs) -> anyhow::Result<ExitCode> {
    let now = promptline_core::now();
    if args.dry_run {
        let plan = store.plan_retention(None, now).await?;
        if args.json {
            output::print_json(&plan)?;
        } else {
            print_plan(&plan, store.retention_rules().await?.is_empty());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let outcome = store.apply_retention(now).await?;
    if args.json {
        output::print_json(&outcome)?;
    } else {
        println!(
            "Deleted {}. The database: {} → {}.",
            runs(outcome.deleted),
            mb(outcome.bytes_before),
            mb(outcome.bytes_after)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Compacts the database file.
pub async fn compact(store: &Store, args: CompactArgs) -> anyhow::Result<ExitCode> {
    let outcome = store.compact().await?;
    if args.json {
        output::print_json(&outcome)?;
    } else {
        println!(
            "Compacted: {} → {}.",
            mb(outcome.bytes_before),
            mb(outcome.bytes_after)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_plan(plan: &RetentionPlan, no_rules: bool) {
    if no_rules {
        println!("No retention rules: nothing would be deleted. Add one: promptline retention set --keep-days 90");
        return;
    }
    for effect in &plan.rules {
        println!(
            "{:>4}  {:<48}  {}",
            effect.rule_id.map(|id| id.to_string()).unwrap_or_default(),
            format!(
                "{}{}",
                effect.description,
                effect
                    .prompt_id
                    .as_ref()
                    .map(|p| format!(" (prompt {p})"))
                    .unwrap_or_default()
            ),
            runs(effect.runs)
        );
    }
    println!(
        "Dry run: the rules would delete {} ({}); {} rated up or tagged `keep` stay. Nothing was deleted.",
        runs(plan.runs),
        mb(plan.bytes),
        runs(plan.protected)
    );
}

fn scope(name: &Option<String>, rule: &NewRetentionRule) -> String {
    match (&rule.prompt_id, name) {
        (Some(_), Some(name)) => format!(" for prompt “{name}”"),
        (Some(id), None) => format!(" for prompt {id}"),
        _ => " for all runs".into(),
    }
}

/// `1 run`, `1,234 runs`.
pub fn runs(n: i64) -> String {
    format!("{} run{}", count(Some(n)), if n == 1 { "" } else { "s" })
}

/// Bytes as MB with one decimal.
pub fn mb(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / (1 << 20) as f64)
}
