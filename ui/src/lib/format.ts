// Formatting for people: the user's locale (or a sensible one when the system has none, see
// locale.ts) and time zone, tabular-friendly numbers.

import { appLocale } from "./locale";

const numberFormat = new Intl.NumberFormat(appLocale);

/** 1234 -> "1,234" in the user's locale. */
export function formatCount(n: number): string {
  return numberFormat.format(n);
}

/** "1 run", "1,234 runs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Milliseconds as "312 ms", "1.24 s", "2 min 5 s"; an em dash when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null) return "—";
  // Durations are whole milliseconds: 0 is a run that took less than one.
  if (ms < 1) return "<1 ms";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = ms / 1000;
    return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  }
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min ${seconds} s`;
}

/** Token counts: "1,234 tok"; an em dash when the provider reported none. */
export function formatTokens(tokens: number | null | undefined): string {
  return tokens == null ? "—" : `${formatCount(tokens)} tok`;
}

/** Tokens per second over the generation time (after the first token). */
export function tokensPerSecond(tokens: number, elapsedMs: number, ttftMs: number | null): number | null {
  const generating = elapsedMs - (ttftMs ?? 0);
  // Below a tenth of a second (an instant echo) a rate says nothing.
  if (tokens <= 0 || generating < 100) return null;
  return (tokens * 1000) / generating;
}

const relative = new Intl.RelativeTimeFormat(appLocale, { numeric: "auto", style: "short" });

/** "now", "3 min ago", "2 hr ago", "5 days ago"; past a month the local date. */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const then = new Date(iso);
  const seconds = Math.round((then.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), "hour");
  if (abs < 30 * 86_400) return relative.format(Math.round(seconds / 86_400), "day");
  return dateFormat.format(then);
}

// Date formatters are made once: `toLocaleString(locale, options)` builds a new formatter on every
// call (about 50-100 µs in WebKit), a made one formats in about 2 µs, and every timeline row
// formats two times.
const absoluteFormat = new Intl.DateTimeFormat(appLocale, {
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});
const timeOfDayFormat = new Intl.DateTimeFormat(appLocale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(appLocale, { weekday: "short", day: "numeric", month: "short" });
const dayYearFormat = new Intl.DateTimeFormat(appLocale, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
const dateFormat = new Intl.DateTimeFormat(appLocale, { day: "numeric", month: "short", year: "numeric" });

/** The full local date and time, for hover titles. */
export function absoluteTime(iso: string): string {
  return absoluteFormat.format(new Date(iso));
}

/** Local time of day, "14:03:27". */
export function timeOfDay(iso: string): string {
  return timeOfDayFormat.format(new Date(iso));
}

/** The local calendar day of a time, as "YYYY-MM-DD" (a grouping key). */
export function localDayKey(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** A day header: "Today", "Yesterday", "Mon 23 Nov" (with the year when not this year). */
export function dayLabel(iso: string, now: Date = new Date()): string {
  const day = new Date(iso);
  const key = localDayKey(day);
  if (key === localDayKey(now)) return "Today";
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key === localDayKey(yesterday)) return "Yesterday";
  return (day.getFullYear() === now.getFullYear() ? dayFormat : dayYearFormat).format(day);
}

/** The start of a local day given as "YYYY-MM-DD" (from a date input), as an ISO UTC time. */
export function startOfLocalDay(value: string, plusDays = 0): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return date.toISOString();
}

// Money formatters by number of decimals, made once each (see the date formatters above).
const usdFormats = new Map<number, Intl.NumberFormat>();

function usdFormat(decimals: number, locale?: string): Intl.NumberFormat {
  if (locale) {
    return new Intl.NumberFormat(locale, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: decimals });
  }
  let format = usdFormats.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat(appLocale, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: decimals });
    usdFormats.set(decimals, format);
  }
  return format;
}

/**
 * US dollars in the user's locale with enough digits to be honest for small runs: at least two
 * decimals and two significant digits ("$0.00042", "$0.0028", "$0.75", "$1,234.50"); an em dash
 * when unknown (no price, no token counts), never a guessed 0.
 */
export function formatUsd(amount: number | null | undefined, locale?: string): string {
  if (amount == null || !Number.isFinite(amount)) return "—";
  const magnitude = Math.abs(amount);
  const decimals = magnitude === 0 || magnitude >= 0.1 ? 2 : Math.min(10, Math.max(2, Math.floor(-Math.log10(magnitude)) + 2));
  return usdFormat(decimals, locale).format(amount);
}

/** Where a run's cost came from, or why it has none, in words. */
export function costExplanation(run: {
  cost_source: string | null;
  priced_as: string | null;
  provider: string;
  model: string;
}): string {
  const basis = run.priced_as ?? "";
  switch (run.cost_source) {
    case null:
      return "Not priced yet";
    case "table":
      return `genai-prices: ${basis}`;
    case "user":
      return `Your price for ${basis}`;
    case "free":
      return "The echo provider is free";
    case "imported":
      return basis ? `As imported (${basis})` : "As imported";
    case "unknown":
      return `No price known for ${run.provider}/${run.model}: set one in Settings > Prices`;
    case "local":
      return "A self-hosted model: set its price (e.g. 0) in Settings > Prices";
    case "no_tokens":
      return "The provider reported no token counts";
    default:
      return "";
  }
}

/**
 * A run's error message as the app shows it: the stored text says what happened, the same for
 * every front end; here it gets the app's way to act on it. A cancel is no error: `tone` says how
 * to show it ("note": plain, "error": red).
 */
export function runMessage(status: string, message: string | null | undefined): { text: string; tone: "error" | "note" } | null {
  if (!message) return null;
  if (status === "cancelled") return { text: "Cancelled: the answer so far is kept.", tone: "note" };
  if (status === "timeout") return { text: `${message}. Raise the Timeout field beside Run to give it longer.`, tone: "error" };
  return { text: keyHintForTheApp(message), tone: "error" };
}

/** The CLI's way to fix a key (`promptline key set NAME`, maybe an environment variable), as the
 * providers' errors say it, said the app's way. */
function keyHintForTheApp(message: string): string {
  return message
    .replace(/Check the key with `promptline key set ([^`]+)`(?: or set [A-Za-z0-9_]+)?/g, "Check the API key for provider $1 in Settings > Providers")
    .replace(/needs an API key: run `promptline key set ([^`]+)`(?: or set [A-Za-z0-9_]+)?/g, "needs an API key: add it for provider $1 in Settings > Providers");
}
