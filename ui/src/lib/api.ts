// The one module that talks to the Rust shell: every command, event, clipboard write and dialog
// goes through here, typed with the types generated from Rust (ui/src/lib/generated).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { writeText } from "@tauri-apps/plugin-clipboard-manager";
import { open, save } from "@tauri-apps/plugin-dialog";
import { openUrl } from "@tauri-apps/plugin-opener";
import type { CommandError } from "./generated/CommandError";
import type { Deletion } from "./generated/Deletion";
import type { FileImport } from "./generated/FileImport";
import type { ImportProgress } from "./generated/ImportProgress";
import type { LlmOffer } from "./generated/LlmOffer";
import type { SourceCount } from "./generated/SourceCount";
import type { ExporterStatus } from "./generated/ExporterStatus";
import type { OtelInput } from "./generated/OtelInput";
import type { ModelOption } from "./generated/ModelOption";
import type { Prompt } from "./generated/Prompt";
import type { PromptInput } from "./generated/PromptInput";
import type { PromptSummary } from "./generated/PromptSummary";
import type { KeyMove } from "./generated/KeyMove";
import type { ProviderInfo } from "./generated/ProviderInfo";
import type { ProviderInput } from "./generated/ProviderInput";
import type { ProviderTest } from "./generated/ProviderTest";
import type { Run } from "./generated/Run";
import type { RunHead } from "./generated/RunHead";
import type { RunEventPayload } from "./generated/RunEventPayload";
import type { RunFilter } from "./generated/RunFilter";
import type { RunFinishedPayload } from "./generated/RunFinishedPayload";
import type { RunsPage } from "./generated/RunsPage";
import type { RunSummary } from "./generated/RunSummary";
import type { RunStats } from "./generated/RunStats";
import type { StartRun } from "./generated/StartRun";
import type { Annotation } from "./generated/Annotation";
import type { CompactOutcome } from "./generated/CompactOutcome";
import type { FieldDiff } from "./generated/FieldDiff";
import type { NewRetentionRule } from "./generated/NewRetentionRule";
import type { Rating } from "./generated/Rating";
import type { RetentionOutcome } from "./generated/RetentionOutcome";
import type { RetentionPlan } from "./generated/RetentionPlan";
import type { RetentionRule } from "./generated/RetentionRule";
import type { StorageReport } from "./generated/StorageReport";
import type { TagCount } from "./generated/TagCount";
import type { SearchHit } from "./generated/SearchHit";
import type { BudgetStatus } from "./generated/BudgetStatus";
import type { PriceSettings } from "./generated/PriceSettings";
import type { UserPrice } from "./generated/UserPrice";
import type { UserPriceInput } from "./generated/UserPriceInput";
import type { PromptMemory } from "./generated/PromptMemory";
import type { PromptVersion } from "./generated/PromptVersion";
import type { Theme } from "./generated/Theme";
import type { UserSettings } from "./generated/UserSettings";

/** The native menu's items that reach the page (src-tauri/desktop.rs, `MENU_ITEMS`). */
export type MenuItem = "new-prompt" | "import" | "export" | "all-runs" | "analytics";

export type {
  RunHead,
  SearchHit,
  CommandError,
  Deletion,
  FileImport,
  ImportProgress,
  LlmOffer,
  ExporterStatus,
  OtelInput,
  ModelOption,
  SourceCount,
  Prompt,
  PromptInput,
  PromptSummary,
  KeyMove,
  ProviderInfo,
  ProviderInput,
  ProviderTest,
  Run,
  RunEventPayload,
  RunFilter,
  RunFinishedPayload,
  RunsPage,
  RunStats,
  RunSummary,
  StartRun,
  Annotation,
  CompactOutcome,
  FieldDiff,
  NewRetentionRule,
  Rating,
  RetentionOutcome,
  RetentionPlan,
  RetentionRule,
  StorageReport,
  TagCount,
};
export type { RatingFilter } from "./generated/RatingFilter";
export type { SizeShare } from "./generated/SizeShare";
export type { DayStats } from "./generated/DayStats";
export type { ModelStats } from "./generated/ModelStats";
export type { StatusCounts } from "./generated/StatusCounts";
export type { RunStatus } from "./generated/RunStatus";
export type { TeamStatus } from "./generated/TeamStatus";
export type { Whose } from "./generated/Whose";
import type { TeamStatus } from "./generated/TeamStatus";
export type { ContextMessage } from "./generated/ContextMessage";
export type { BudgetStatus, PriceSettings, UserPrice, UserPriceInput };
export type { CostSource } from "./generated/CostSource";
export type { PromptMemory, PromptVersion, Theme, UserSettings };

/** An export file format. */
export type ExportFormat = "csv" | "json" | "jsonl";

/** A failed command: `code` is stable (branch on it), `message` is for people. */
export class ApiError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

/** Whatever a command threw, as an ApiError. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error && typeof error === "object" && "code" in error && "message" in error) {
    const e = error as CommandError;
    return new ApiError(String(e.code), String(e.message));
  }
  if (error instanceof Error) return new ApiError("internal", error.message);
  return new ApiError("internal", String(error));
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toApiError(error);
  }
}

/** A filter that matches every run. */
export function emptyFilter(): RunFilter {
  return {
    prompt_id: null,
    prompt_version: null,
    models: [],
    statuses: [],
    since: null,
    until: null,
    query: null,
    whose: null,
    ratings: [],
    tags: [],
    sources: [],
  };
}

export const api = {
  listPrompts: (search: string | null = null) => call<PromptSummary[]>("list_prompts", { search }),
  getPrompt: (id: string) => call<Prompt>("get_prompt", { id }),
  createPrompt: (input: PromptInput) => call<Prompt>("create_prompt", { input }),
  updatePrompt: (id: string, input: PromptInput) => call<Prompt>("update_prompt", { id, input }),
  /** Every kept version of a prompt, newest first. */
  promptVersions: (id: string) => call<PromptVersion[]>("prompt_versions", { id }),
  /** Saves a copy of a prompt (not its runs). */
  duplicatePrompt: (id: string) => call<Prompt>("duplicate_prompt", { id }),
  /** What the run panel remembered for a prompt. */
  promptMemory: (id: string) => call<PromptMemory>("prompt_memory", { id }),
  savePromptMemory: (id: string, memory: PromptMemory) => call<null>("save_prompt_memory", { id, memory }),
  /** Default model, default timeout and theme. */
  userSettings: () => call<UserSettings>("user_settings"),
  saveUserSettings: (settings: UserSettings) => call<UserSettings>("save_user_settings", { settings }),
  /** Deletes a prompt and its runs; undo with `undoDeletion` for a few minutes. */
  deletePrompt: (id: string) => call<Deletion>("delete_prompt", { id }),
  promptRunCount: (id: string) => call<number>("prompt_run_count", { id }),
  runsPage: (filter: RunFilter, cursor: string | null, limit: number) =>
    call<RunsPage>("runs_page", { filter, cursor, limit }),
  countRuns: (filter: RunFilter) => call<number>("count_runs", { filter }),
  /** Runs per day (in the viewer's time zone) and per model under `filter`. */
  runStats: (filter: RunFilter, utcOffsetMinutes: number) => call<RunStats>("run_stats", { filter, utcOffsetMinutes }),
  getRun: (id: string) => call<Run>("get_run", { id }),
  /** A run with the first 64 K characters of its response, and the response's full length. */
  getRunHead: (id: string) => call<RunHead>("get_run_head", { id }),
  /** Up to `maxChars` (at most 1 M) characters of a run's response from character `startChar`
   * (characters are code points, as the store counts them). */
  responsePiece: (id: string, startChar: number, maxChars: number) =>
    call<string>("response_piece", { id, startChar, maxChars }),
  /** Puts a run's whole response or prompt on the clipboard from the shell (the text never
   * crosses to the window); resolves to how many characters were copied. */
  copyRunText: (id: string, what: "response" | "prompt") => call<number>("copy_run_text", { id, what }),
  /** Where `query` hits each of these runs: which text, and a snippet with the words marked. */
  searchHits: (ids: string[], query: string) => call<SearchHit[]>("search_hits", { ids, query }),
  deleteRuns: (ids: string[]) => call<Deletion>("delete_runs", { ids }),
  deleteMatchingRuns: (filter: RunFilter) => call<Deletion>("delete_matching_runs", { filter }),
  /** Whether the history changed since the last call, here or in another process. */
  historyChanged: () => call<boolean>("history_changed"),
  /** Puts back exactly what a delete removed. */
  undoDeletion: (id: string) => call<Deletion>("undo_deletion", { id }),
  listModels: () => call<ModelOption[]>("list_models"),
  listProviderModels: () => call<ModelOption[]>("list_provider_models"),
  listProviders: () => call<ProviderInfo[]>("list_providers"),
  addProvider: (input: ProviderInput) => call<ProviderInfo>("add_provider", { input }),
  updateProvider: (name: string, input: ProviderInput, moveKey = false) =>
    call<ProviderInfo>("update_provider", { name, input, moveKey }),
  keyMoveQuestion: (name: string, baseUrl: string) => call<KeyMove | null>("key_move_question", { name, baseUrl }),
  removeProvider: (name: string) => call<null>("remove_provider", { name }),
  setProviderKey: (name: string, key: string) => call<string>("set_provider_key", { name, key }),
  deleteProviderKey: (name: string) => call<boolean>("delete_provider_key", { name }),
  testProvider: (name: string) => call<ProviderTest>("test_provider", { name }),
  exportRuns: (filter: RunFilter, format: ExportFormat, path: string) =>
    call<number>("export_runs", { filter, format, path }),
  startRun: (request: StartRun) => call<string>("start_run", { request }),
  /** Imports a JSONL file or an llm logs.db (recognised by its contents) in one transaction. */
  importFile: (path: string) => call<FileImport>("import_file", { path }),
  /** llm's logs.db in its default place when nothing was imported from llm yet; else `null`. */
  llmImportOffer: () => call<LlmOffer | null>("llm_import_offer"),
  /** The runs of a conversation, oldest first. */
  threadRuns: (threadId: string) => call<RunSummary[]>("thread_runs", { threadId }),
  /** The sources in the history (`promptline`, `llm`, `jsonl`) with their run counts. */
  listSources: () => call<SourceCount[]>("list_sources"),
  /** Calls `handler` as an import goes. */
  onImportProgress: (handler: (progress: ImportProgress) => void): Promise<UnlistenFn> =>
    listen<ImportProgress>("import-progress", (event) => handler(event.payload)),
  cancelRun: (id: string) => call<boolean>("cancel_run", { id }),
  teamStatus: () => call<TeamStatus>("team_status"),
  teamConnect: (url: string, password: string | null) => call<TeamStatus>("team_connect", { url, password }),
  teamDisconnect: () => call<TeamStatus>("team_disconnect"),
  teamSync: () => call<TeamStatus>("team_sync"),
  sharePrompt: (id: string, shared: boolean) => call<Prompt>("share_prompt", { id, shared }),
  /** Calls `handler` after every team sync (background or not) with the new status. */
  onTeamSynced: (handler: (status: TeamStatus) => void): Promise<UnlistenFn> =>
    listen<TeamStatus>("team-synced", (event) => handler(event.payload)),
  setRating: (id: string, rating: Rating | null) => call<Annotation>("set_rating", { id, rating }),
  setNote: (id: string, note: string | null) => call<Annotation>("set_note", { id, note }),
  addTags: (id: string, tags: string[]) => call<Annotation>("add_tags", { id, tags }),
  removeTags: (id: string, tags: string[]) => call<Annotation>("remove_tags", { id, tags }),
  tagsInUse: () => call<TagCount[]>("tags_in_use"),
  /** The run just before this one among its prompt's runs, or null. */
  previousRun: (id: string) => call<RunSummary | null>("previous_run", { id }),
  /** The facts of two runs side by side. */
  compareFields: (a: string, b: string) => call<FieldDiff[]>("compare_fields", { a, b }),
  retentionRules: () => call<RetentionRule[]>("retention_rules"),
  setRetentionRule: (rule: NewRetentionRule) => call<RetentionRule>("set_retention_rule", { rule }),
  removeRetentionRule: (id: number) => call<null>("remove_retention_rule", { id }),
  /** What the rules (with `candidate`, not yet saved) would delete now. */
  planRetention: (candidate: NewRetentionRule | null) => call<RetentionPlan>("plan_retention", { candidate }),
  applyRetention: () => call<RetentionOutcome>("apply_retention"),
  storageReport: () => call<StorageReport>("storage_report"),
  compact: () => call<CompactOutcome>("compact"),
  /** Calls `handler` with how many runs the retention rules deleted in the background. */
  onHistoryPruned: (handler: (deleted: number) => void): Promise<UnlistenFn> =>
    listen<number>("history-pruned", (event) => handler(event.payload)),
  /** Settings > Integrations: where runs are sent as OpenTelemetry spans, and how that goes. */
  otelStatus: () => call<ExporterStatus>("otel_status"),
  otelSave: (input: OtelInput) => call<ExporterStatus>("otel_save", { input }),
  otelOff: () => call<number>("otel_off"),
  /** Settings > Prices: the price table, the user's prices, the budget. */
  priceSettings: () => call<PriceSettings>("price_settings"),
  setUserPrice: (input: UserPriceInput) => call<UserPrice>("set_user_price", { input }),
  removeUserPrice: (provider: string, model: string) => call<boolean>("remove_user_price", { provider, model }),
  /** Prices the runs `filter` matches again with the current prices; how many. */
  repriceRuns: (filter: RunFilter) => call<number>("reprice_runs", { filter }),
  setMonthlyBudget: (usd: number | null) => call<null>("set_monthly_budget", { usd }),
  /** This month's spend against the budget; `null` when no budget is set. */
  budgetStatus: (utcOffsetMinutes: number) => call<BudgetStatus | null>("budget_status", { utcOffsetMinutes }),
  /** Downloads the newest price table, or (`bundled`) goes back to the one shipped with the app. */
  updatePriceTable: (bundled: boolean) => call<PriceSettings>("update_price_table", { bundled }),

  /** Calls `handler` for every piece of every run under way. */
  onRunEvent: (handler: (payload: RunEventPayload) => void): Promise<UnlistenFn> =>
    listen<RunEventPayload>("run-event", (event) => handler(event.payload)),
  /** Calls `handler` once per run when it has been recorded (or could not be). */
  onRunFinished: (handler: (payload: RunFinishedPayload) => void): Promise<UnlistenFn> =>
    listen<RunFinishedPayload>("run-finished", (event) => handler(event.payload)),

  /** Calls `handler` with the id of each native menu item the user picks (File and View). */
  onMenu: (handler: (item: MenuItem) => void): Promise<UnlistenFn> =>
    listen<MenuItem>("menu", (event) => handler(event.payload)),

  /** Calls `handler` when runs got costs in the background (after launch). */
  onPricesChanged: (handler: (priced: number) => void): Promise<UnlistenFn> =>
    listen<number>("prices-changed", (event) => handler(event.payload)),

  /** Puts text on the system clipboard. */
  copyText: async (text: string): Promise<void> => {
    try {
      await writeText(text);
    } catch (error) {
      throw toApiError(error);
    }
  },

  /** Opens a web link from a response in the OS browser (never in the app's window). Only
   * http and https links: anything else is refused here and by the capability's scope. */
  openLink: async (href: string): Promise<boolean> => {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return false;
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return false;
    try {
      await openUrl(url.href);
      return true;
    } catch (error) {
      throw toApiError(error);
    }
  },

  /** Asks which file to import; `null` when the user cancelled. */
  chooseImportFile: async (): Promise<string | null> => {
    try {
      const picked = await open({
        title: "Import runs",
        multiple: false,
        directory: false,
        filters: [
          { name: "llm logs.db or JSONL", extensions: ["db", "sqlite", "sqlite3", "jsonl", "ndjson", "json"] },
          { name: "All files", extensions: ["*"] },
        ],
      });
      return typeof picked === "string" ? picked : null;
    } catch (error) {
      throw toApiError(error);
    }
  },

  /** Asks where to save an export; `null` when the user cancelled. */
  chooseExportPath: async (format: ExportFormat, baseName: string): Promise<string | null> => {
    const names: Record<ExportFormat, string> = { csv: "CSV", json: "JSON", jsonl: "JSON Lines" };
    try {
      return await save({
        title: "Export runs",
        defaultPath: `${baseName}.${format}`,
        filters: [{ name: names[format], extensions: [format] }],
      });
    } catch (error) {
      throw toApiError(error);
    }
  },
};
