//! `promptline mcp`: serves the history and saved prompts to MCP clients (Claude Desktop, Claude
//! Code, Cursor, ...) over stdio. See [`crate::mcp`].

use std::process::ExitCode;

use clap::Args;
use promptline_core::Store;
use rmcp::ServiceExt;

use crate::mcp::PromptlineServer;

/// Arguments of `promptline mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Also offer the run_prompt tool: agents may run saved prompts on any configured provider
    /// (with its key) and the runs are recorded with source `mcp`. Off by default: read-only
    #[arg(long)]
    pub allow_runs: bool,
}

/// Serves MCP on standard input and output until the client closes them.
pub async fn execute(store: &Store, args: McpArgs) -> anyhow::Result<ExitCode> {
    eprintln!(
        "promptline mcp: serving the history ({}) over stdio",
        if args.allow_runs {
            "runs allowed"
        } else {
            "read-only"
        }
    );
    let service = PromptlineServer::new(store.clone(), args.allow_runs)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| anyhow::anyhow!("the MCP client did not start a session: {e}"))?;
    service
        .waiting()
        .await
        .map_err(|e| anyhow::anyhow!("the MCP session ended with an error: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
