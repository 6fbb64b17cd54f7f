import { describe, expect, it } from "vitest";
import type { FileImport } from "./generated/FileImport";
import { dismissOffer, formatBytes, offerDismissed, progressFraction, progressText, sourceOf, summaryLines } from "./importing";

const result = (over: Partial<FileImport> = {}): FileImport => ({
  format: "llm",
  runs_added: 97_000,
  runs_skipped: 12,
  prompts_added: 0,
  threads: 40_123,
  first_at: "2024-11-01T10:00:00Z",
  last_at: "2026-10-31T23:59:59Z",
  ...over,
});

describe("import progress", () => {
  it("counts runs with a rate once some time has passed", () => {
    const p = { done: 12_000, total: 97_000, unit: "runs" as const };
    expect(progressText(p, 2)).toBe("12,000 of 97,000 runs · 6,000 runs/s");
    expect(progressText(p, 0)).toBe("12,000 of 97,000 runs");
    expect(progressFraction(p)).toBeCloseTo(12_000 / 97_000);
  });
  it("counts bytes for a JSONL file", () => {
    const p = { done: 50 * 2 ** 20, total: 200 * 2 ** 20, unit: "bytes" as const };
    expect(progressText(p, 2)).toBe("50.0 MB of 200.0 MB · 25.0 MB/s");
  });
  it("says it is opening before the first event, and never leaves 0..1", () => {
    expect(progressText(null, 1)).toBe("Opening the file…");
    expect(progressFraction(null)).toBe(0);
    expect(progressFraction({ done: 5, total: 0, unit: "runs" })).toBe(0);
    expect(progressFraction({ done: 7, total: 5, unit: "runs" })).toBe(1);
    expect(formatBytes(1_181_116_006)).toBe("1.10 GB");
  });
});

describe("import summary", () => {
  it("lists runs added, already present, threads and the time span", () => {
    const lines = summaryLines(result());
    expect(lines.map((l) => l.label)).toEqual(["Runs added", "Already present", "Threads", "Time span"]);
    expect(lines[0].value).toBe("97,000");
    expect(lines[1].value).toBe("12");
    expect(lines[2].value).toBe("40,123");
    expect(lines[3].value).toContain("–");
  });
  it("leaves out what the file did not have and names new prompts of a JSONL file", () => {
    const lines = summaryLines(result({ format: "jsonl", threads: 0, first_at: null, last_at: null, prompts_added: 3 }));
    expect(lines.map((l) => l.label)).toEqual(["Runs added", "Already present", "New prompts"]);
    expect(sourceOf(result({ format: "jsonl" }))).toBeNull();
    expect(sourceOf(result())).toBe("llm");
  });
});

describe("the first-launch offer", () => {
  it("is made once per logs.db", () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(offerDismissed("/home/a/.config/io.datasette.llm/logs.db", storage)).toBe(false);
    dismissOffer("/home/a/.config/io.datasette.llm/logs.db", storage);
    expect(offerDismissed("/home/a/.config/io.datasette.llm/logs.db", storage)).toBe(true);
    expect(offerDismissed("/elsewhere/logs.db", storage)).toBe(false);
  });
});
