//! `promptline history`, `show` and `rm`: reading and pruning the run history.

use std::process::ExitCode;

use clap::Args;
use promptline_core::{Cursor, RunId, Store};

use super::FilterArgs;
use crate::output::{self, clip, count, duration_ms, local_time, usd};

/// Arguments of `promptline history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// How many runs to list
    #[arg(short = 'n', long = "limit", default_value_t = 50, value_name = "N")]
    pub limit: i64,
    /// Continue after the run this cursor names (printed as `next_cursor` by the previous page)
    #[arg(long, value_name = "CURSOR")]
    pub cursor: Option<String>,
    /// Print a JSON array; the next page's cursor goes to standard error as `next_cursor: VALUE`
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `promptline show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The run's id
    pub id: String,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `promptline rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The runs' ids (or give filters instead)
    #[arg(value_name = "RUN_ID")]
    pub ids: Vec<String>,
    /// Delete every run these filters match (the same as `history`'s)
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Delete without asking
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// List the runs the filters match, and delete nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// Lists a page of runs.
pub async fn list(store: &Store, args: HistoryArgs) -> anyhow::Result<ExitCode> {
    if !(1..=promptline_core::store::runs::MAX_PAGE_SIZE).contains(&args.limit) {
        anyhow::bail!(
            "-n must be between 1 and {}",
            promptline_core::store::runs::MAX_PAGE_SIZE
        );
    }
    let filter = args.filter.to_filter()?;
    let cursor = args
        .cursor
        .as_deref()
        .map(str::parse::<Cursor>)
        .transpose()?;
    let page = store
        .runs_page(&filter, cursor.as_ref(), args.limit)
        .await?;
    if args.json {
        output::print_json(&page.items)?;
        if let Some(next) = &page.next_cursor {
            eprintln!("next_cursor: {next}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if page.items.is_empty() {
        eprintln!("No runs match. Run something: promptline run --text \"Hello\" --model echo");
        return Ok(ExitCode::SUCCESS);
    }
    let color = output::color_stdout();
    outln!(
        "{:<19}  {:<9}  {:<24}  {:>9}  {:>7}  {:>10}  {:<36}  RESPONSE",
        "TIME",
        "STATUS",
        "MODEL",
        "DURATION",
        "TOKENS",
        "COST",
        "ID"
    );
    for run in &page.items {
        // A teammate's run says whose it is before its preview.
        let owner = run
            .owner
            .as_deref()
            .map(|o| format!("[{o}] "))
            .unwrap_or_default();
        outln!(
            "{:<19}  {}  {:<24}  {:>9}  {:>7}  {:>10}  {:<36}  {owner}{}",
            local_time(run.created_at),
            output::status_cell(run.status, color),
            clip(&run.provider_model(), 24),
            duration_ms(run.execution_time_ms),
            count(run.tokens_used),
            usd(run.cost_usd),
            run.id,
            clip(&run.preview, 60),
        );
    }
    if let Some(next) = &page.next_cursor {
        eprintln!("More: promptline history --cursor {next} (with the same filters)");
    }
    Ok(ExitCode::SUCCESS)
}

/// Shows one run in full.
pub async fn show(store: &Store, args: ShowArgs) -> anyhow::Result<ExitCode> {
    let run = store.run(&RunId::from(args.id)).await?;
    if args.json {
        output::print_json(&run)?;
        return Ok(ExitCode::SUCCESS);
    }
    let s = &run.summary;
    let color = output::color_stdout();
    outln!("run:        {}", s.id);
    outln!(
        "prompt:     {}",
        s.prompt_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_else(|| "(ad hoc)".into())
    );
    outln!(
        "time:       {} ({})",
        local_time(s.created_at),
        promptline_core::store::transfer::rfc3339(s.created_at)
    );
    outln!(
        "status:     {}",
        output::status_cell(s.status, color).trim_end()
    );
    match &run.resolved_model {
        Some(resolved) if resolved != &s.model => {
            outln!("model:      {} (served as {resolved})", s.provider_model())
        }
        _ => outln!("model:      {}", s.provider_model()),
    }
    outln!("source:     {}", s.source);
    if let Some(thread) = &s.thread_id {
        let runs = store.thread_runs(thread).await?;
        let place = runs.iter().position(|r| r.id == s.id).map_or(0, |i| i + 1);
        outln!(
            "thread:     {thread} (run {place} of {})",
            count(Some(runs.len() as i64))
        );
    }
    outln!(
        "duration:   {} (first token after {})",
        duration_ms(s.execution_time_ms),
        duration_ms(s.ttft_ms)
    );
    outln!(
        "tokens:     {} ({} in, {} out)",
        count(s.tokens_used),
        count(s.input_tokens),
        count(s.output_tokens)
    );
    let details = &s.token_details;
    let parts: Vec<String> = [
        (details.cached_tokens, "cached"),
        (details.cache_write_tokens, "written to the cache"),
        (details.reasoning_tokens, "reasoning"),
    ]
    .into_iter()
    .filter_map(|(n, what)| n.map(|n| format!("{} {what}", count(Some(n)))))
    .collect();
    if !parts.is_empty() {
        outln!("            of which {}", parts.join(", "));
    }
    outln!("cost:       {}", cost_line(s));
    if let Some(reason) = &run.stop_reason {
        outln!("stopped:    {reason}");
    }
    if let Some(error) = &s.error_message {
        outln!("error:      {error}");
    }
    if run.params.as_object().is_some_and(|p| !p.is_empty()) {
        outln!("params:     {}", run.params);
    }
    if run.variables.as_object().is_some_and(|v| !v.is_empty()) {
        outln!("variables:  {}", run.variables);
    }
    if let Some(system) = &run.system_prompt {
        outln!("\n── system prompt ──\n{system}");
    }
    for message in &run.context {
        outln!("\n── earlier: {} ──\n{}", message.role, message.text);
    }
    outln!("\n── prompt ──\n{}", run.prompt_text);
    outln!(
        "\n── response ({} characters) ──\n{}",
        count(Some(s.response_chars)),
        run.response
    );
    Ok(ExitCode::SUCCESS)
}

/// The cost and where it came from, e.g. `$0.00042 (genai-prices: openai/gpt-4o-mini)`.
fn cost_line(run: &promptline_core::RunSummary) -> String {
    use promptline_core::CostSource;
    let basis = run.priced_as.as_deref().unwrap_or("");
    let why = match run.cost_source {
        None => "not priced yet".to_owned(),
        Some(CostSource::Table) => format!("genai-prices: {basis}"),
        Some(CostSource::User) => format!("your price for {basis}"),
        Some(CostSource::Free) => "the echo provider is free".to_owned(),
        Some(CostSource::Imported) if basis.is_empty() => "as imported".to_owned(),
        Some(CostSource::Imported) => format!("as imported: {basis}"),
        Some(CostSource::Unknown) => format!(
            "no price known for {}: promptline prices set {} --input USD --output USD --provider {}",
            run.provider_model(),
            run.model,
            run.provider
        ),
        Some(CostSource::Local) => format!(
            "a self-hosted model: promptline prices set {} --input 0 --output 0 counts it",
            run.model
        ),
        Some(CostSource::NoTokens) => "the provider reported no token counts".to_owned(),
    };
    format!("{} ({why})", usd(run.cost_usd))
}

/// Deletes runs by id, or every run a filter matches (after saying how many and asking).
pub async fn remove(store: &Store, args: RmArgs) -> anyhow::Result<ExitCode> {
    if !args.ids.is_empty() {
        if !args.filter.is_empty() {
            anyhow::bail!("give run ids or filters, not both");
        }
        return remove_ids(store, &args.ids).await;
    }
    if args.filter.is_empty() {
        anyhow::bail!(
            "say which runs to delete: their ids, or filters such as `promptline rm --status error --until 30d`"
        );
    }
    let filter = args.filter.to_filter()?;
    let n = store.count_runs(&filter).await?;
    if args.dry_run {
        list_matching(store, &filter).await?;
        eprintln!(
            "Dry run: {} would be deleted. Nothing was deleted.",
            super::tidy::runs(n)
        );
        return Ok(ExitCode::SUCCESS);
    }
    if n == 0 {
        println!("No runs match: nothing to delete.");
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes
        && !confirm(&format!(
            "Delete {}? This cannot be undone.",
            super::tidy::runs(n)
        ))?
    {
        eprintln!("Nothing was deleted.");
        return Ok(ExitCode::from(crate::exit::FAILURE));
    }
    let deleted = store.delete_matching_runs(&filter).await?;
    println!("Deleted {}.", super::tidy::runs(deleted as i64));
    Ok(ExitCode::SUCCESS)
}

async fn remove_ids(store: &Store, ids: &[String]) -> anyhow::Result<ExitCode> {
    let ids: Vec<RunId> = ids.iter().map(|id| RunId::from(id.as_str())).collect();
    let deleted = store.delete_runs(&ids).await?;
    let missing = ids.len() as u64 - deleted;
    outln!(
        "Deleted {} run{}.",
        count(Some(deleted as i64)),
        if deleted == 1 { "" } else { "s" }
    );
    if missing > 0 {
        eprintln!("{missing} of the ids matched no run.");
        return Ok(ExitCode::from(crate::exit::FAILURE));
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints every run `filter` matches, a line each, page after page.
async fn list_matching(store: &Store, filter: &promptline_core::RunFilter) -> anyhow::Result<()> {
    let mut cursor = None;
    loop {
        let page = store
            .runs_page(
                filter,
                cursor.as_ref(),
                promptline_core::store::runs::MAX_PAGE_SIZE,
            )
            .await?;
        for run in &page.items {
            println!(
                "{:<19}  {:<9}  {:<24}  {:<36}  {}",
                local_time(run.created_at),
                run.status,
                clip(&run.provider_model(), 24),
                run.id,
                clip(&run.preview, 50)
            );
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}

/// Asks a yes/no question on the terminal; refuses to guess when there is none.
fn confirm(question: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "{question} Pass --yes to delete without asking (or --dry-run to list them)."
        );
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
