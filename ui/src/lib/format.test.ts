import { describe, expect, it } from "vitest";
import {
  costExplanation,
  dayLabel,
  formatDuration,
  runMessage,
  formatTokens,
  formatUsd,
  plural,
  relativeTime,
  startOfLocalDay,
  tokensPerSecond,
} from "./format";

describe("formatDuration", () => {
  it("uses ms below a second, seconds with two decimals below ten", () => {
    expect(formatDuration(312)).toBe("312 ms");
    expect(formatDuration(0)).toBe("<1 ms");
    expect(formatDuration(1240)).toBe("1.24 s");
    expect(formatDuration(12_340)).toBe("12.3 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
  });
  it("shows a dash when unknown", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatTokens(undefined)).toBe("—");
  });
});

describe("counts", () => {
  it("groups thousands and picks singular or plural", () => {
    expect(formatTokens(1234)).toBe("1,234 tok");
    expect(plural(1, "run")).toBe("1 run");
    expect(plural(1234, "run")).toBe("1,234 runs");
  });
  it("computes tokens per second after the first token", () => {
    expect(tokensPerSecond(100, 2100, 100)).toBe(50);
    expect(tokensPerSecond(0, 1000, null)).toBeNull();
  });
});

describe("times", () => {
  const now = new Date(2026, 10, 24, 15, 0, 0);
  it("labels today, yesterday and older days", () => {
    expect(dayLabel(new Date(2026, 10, 24, 9).toISOString(), now)).toBe("Today");
    expect(dayLabel(new Date(2026, 10, 23, 23, 59).toISOString(), now)).toBe("Yesterday");
    // This year: day, month and weekday, no year ("Fri, Nov 20"); a "2026" must not pass for a 20.
    const thisYear = dayLabel(new Date(2026, 10, 20, 9).toISOString(), now);
    const month = new Date(2026, 10, 20).toLocaleString(undefined, { month: "short" });
    const weekday = new Date(2026, 10, 20).toLocaleString(undefined, { weekday: "short" });
    expect(thisYear).toMatch(/(^|\D)20(\D|$)/);
    expect(thisYear).not.toContain("2026");
    expect(thisYear).toContain(month);
    expect(thisYear).toContain(weekday);
    // Another year: the year too, and the same day.
    const lastYear = dayLabel(new Date(2025, 10, 20, 9).toISOString(), now);
    expect(lastYear).toContain("2025");
    expect(lastYear.replace("2025", "")).toMatch(/(^|\D)20(\D|$)/);
    expect(lastYear).toContain(month);
  });
  it("says how long ago", () => {
    expect(relativeTime(new Date(now.getTime() - 10_000).toISOString(), now)).toBe("just now");
    expect(relativeTime(new Date(now.getTime() - 3 * 60_000).toISOString(), now)).toMatch(/3 min/);
  });
  it("turns a date input into the start of that local day", () => {
    expect(startOfLocalDay("2026-11-24")).toBe(new Date(2026, 10, 24).toISOString());
    expect(startOfLocalDay("2026-11-24", 1)).toBe(new Date(2026, 10, 25).toISOString());
    expect(startOfLocalDay("nope")).toBeNull();
  });
});

describe("formatUsd", () => {
  it("keeps two significant digits for small runs and two decimals for larger sums", () => {
    expect(formatUsd(0.00042, "en-US")).toBe("$0.00042");
    expect(formatUsd(0.0028, "en-US")).toBe("$0.0028");
    expect(formatUsd(0.045, "en-US")).toBe("$0.045");
    expect(formatUsd(0.75, "en-US")).toBe("$0.75");
    expect(formatUsd(0.1234, "en-US")).toBe("$0.12");
    expect(formatUsd(1234.5, "en-US")).toBe("$1,234.50");
    expect(formatUsd(0, "en-US")).toBe("$0.00");
  });
  it("follows the locale", () => {
    expect(formatUsd(1234.5, "de-DE")).toBe("1.234,50\u00a0$");
    expect(formatUsd(0.00042, "de-DE")).toBe("0,00042\u00a0$");
  });
  it("never guesses a cost it does not know", () => {
    expect(formatUsd(null)).toBe("—");
    expect(formatUsd(undefined)).toBe("—");
  });
});

describe("costExplanation", () => {
  const run = { provider: "ollama", model: "llama3.2:latest", priced_as: null };
  it("says where a cost came from and what to do when there is none", () => {
    expect(costExplanation({ ...run, cost_source: "table", priced_as: "openai/gpt-4o-mini" })).toBe(
      "genai-prices: openai/gpt-4o-mini",
    );
    expect(costExplanation({ ...run, cost_source: "local" })).toContain("Settings > Prices");
    expect(costExplanation({ ...run, cost_source: null })).toBe("Not priced yet");
  });
});

describe("runMessage", () => {
  it("says how to act in the app, and a cancel is no error", () => {
    const t = runMessage("timeout", "timed out after 30 s: the time limit ran out");
    expect(t?.tone).toBe("error");
    expect(t?.text).toContain("Timeout field beside Run");
    expect(t?.text).not.toContain("--timeout");
    expect(runMessage("cancelled", "cancelled by the user")).toEqual({ text: "Cancelled: the answer so far is kept.", tone: "note" });
    expect(runMessage("error", "openai answered 429")).toEqual({ text: "openai answered 429", tone: "error" });
    expect(runMessage("success", null)).toBeNull();
    // A wrong key: the server's words kept, the fix said the app's way.
    const key = runMessage("error", "local answered 401 Unauthorized: invalid api key. Check the key with `promptline key set local` or set LOCAL_API_KEY");
    expect(key?.text).toBe("local answered 401 Unauthorized: invalid api key. Check the API key for provider local in Settings > Providers");
    expect(runMessage("error", "openai needs an API key: run `promptline key set openai` or set OPENAI_API_KEY")?.text).toBe(
      "openai needs an API key: add it for provider openai in Settings > Providers",
    );
  });
});
