// A run's conversation as its detail shows it: the system prompt, the messages before it, then
// the run's own prompt and response, and where it stands among the thread's runs.

import type { Run } from "./generated/Run";
import type { RunSummary } from "./generated/RunSummary";

export interface ThreadMessage {
  role: string;
  text: string;
  /** The run's own prompt or response (the rest came before it). */
  own: boolean;
}

/** Whether a run has a conversation worth a tab of its own. */
export function hasThread(run: Pick<Run, "context" | "system_prompt" | "thread_id">): boolean {
  return run.context.length > 0 || !!run.system_prompt || run.thread_id !== null;
}

/** The messages in order: system prompt, earlier messages, then the run's prompt and response. */
export function threadMessages(run: Run): ThreadMessage[] {
  const out: ThreadMessage[] = [];
  if (run.system_prompt) out.push({ role: "system", text: run.system_prompt, own: false });
  for (const m of run.context) out.push({ role: m.role, text: m.text, own: false });
  out.push({ role: "user", text: run.prompt_text, own: true });
  if (run.response) out.push({ role: "assistant", text: run.response, own: true });
  return out;
}

/** "Run 2 of 3 in this thread", or null when the run is not among them. */
export function threadPosition(id: string, runs: Pick<RunSummary, "id">[]): string | null {
  const at = runs.findIndex((r) => r.id === id);
  if (at < 0) return null;
  return `Run ${at + 1} of ${runs.length} in this thread`;
}
