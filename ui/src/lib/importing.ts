// What the Import… dialog says: progress as counts and a rate, the summary at the end, and the
// first-launch offer of llm's logs.db (asked once per file).

import type { FileImport } from "./generated/FileImport";
import type { ImportProgress } from "./generated/ImportProgress";
import { absoluteTime, formatCount, plural } from "./format";

/** The fraction done, 0 to 1 (0 while the total is unknown). */
export function progressFraction(p: ImportProgress | null): number {
  if (!p || p.total <= 0) return 0;
  return Math.min(1, Math.max(0, p.done / p.total));
}

function bytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(0)} KB`;
  return `${n} bytes`;
}

/** A size for people: `1.10 GB`, `22.1 MB`. */
export const formatBytes = bytes;

/** "12,000 of 97,000 runs · 6,100 runs/s" (or bytes for a JSONL file), given the seconds so far. */
export function progressText(p: ImportProgress | null, seconds: number): string {
  if (!p) return "Opening the file…";
  const rate = seconds > 0.2 ? p.done / seconds : 0;
  if (p.unit === "runs") {
    const head = p.total > 0 ? `${formatCount(p.done)} of ${plural(p.total, "run")}` : plural(p.done, "run");
    return rate > 0 ? `${head} · ${formatCount(Math.round(rate))} runs/s` : head;
  }
  const head = p.total > 0 ? `${bytes(p.done)} of ${bytes(p.total)}` : bytes(p.done);
  return rate > 0 ? `${head} · ${bytes(rate)}/s` : head;
}

/** The summary lines: runs added, already present, threads, time span. */
export function summaryLines(result: FileImport): { label: string; value: string }[] {
  const lines = [
    { label: "Runs added", value: formatCount(result.runs_added) },
    { label: "Already present", value: formatCount(result.runs_skipped) },
  ];
  if (result.threads > 0) lines.push({ label: "Threads", value: formatCount(result.threads) });
  if (result.first_at && result.last_at) {
    lines.push({ label: "Time span", value: `${absoluteTime(result.first_at)} – ${absoluteTime(result.last_at)}` });
  }
  if (result.prompts_added > 0) lines.push({ label: "New prompts", value: formatCount(result.prompts_added) });
  return lines;
}

/** The source the imported runs are filed under, for "Show them". */
export function sourceOf(result: FileImport): string | null {
  return result.format === "llm" ? "llm" : null;
}

const DISMISSED_KEY = "promptline.llm-offer-dismissed";

/** Whether the offer of this logs.db was turned down (or taken) before. */
export function offerDismissed(path: string, storage: Pick<Storage, "getItem"> | null = globalThis.localStorage ?? null): boolean {
  return storage?.getItem(DISMISSED_KEY) === path;
}

/** Remembers that the offer of this logs.db was answered, so it is not made again. */
export function dismissOffer(path: string, storage: Pick<Storage, "setItem"> | null = globalThis.localStorage ?? null): void {
  storage?.setItem(DISMISSED_KEY, path);
}
