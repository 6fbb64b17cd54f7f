// The locale numbers and dates are shown in: the user's, unless the system has none worth the
// name. With LANG unset or C (common on servers and minimal desktops), WebKit reports a POSIX
// locale that prints "100000 runs" and "111794768 tokens"; then a sensible one is used instead.

/** Used when the system's locale is unset, C or POSIX. */
export const FALLBACK_LOCALE = "en-US";

/** Whether a locale tag is a real one (not C, POSIX or undetermined). */
export function isRealLocale(tag: string | null | undefined): boolean {
  if (!tag) return false;
  const t = tag.toLowerCase();
  return !(t === "c" || t.startsWith("c.") || t === "posix" || t.includes("posix") || t === "und" || t.startsWith("und-"));
}

/**
 * The locale to format with: the first real one of the user's languages whose formatting groups
 * digits (`resolve` says which locale Intl would really use for a tag, and how it prints 1234567),
 * or the fallback.
 */
export function pickLocale(
  languages: readonly string[],
  resolve: (tag: string | undefined) => { locale: string; sample: string } = intlResolve,
): string {
  for (const tag of [...languages, undefined]) {
    if (tag !== undefined && !isRealLocale(tag)) continue;
    try {
      const { locale, sample } = resolve(tag);
      // A locale that prints a long number bare is the POSIX one in disguise.
      if (isRealLocale(locale) && /\D/.test(sample)) return locale;
    } catch {
      // A malformed tag: try the next.
    }
  }
  return FALLBACK_LOCALE;
}

function intlResolve(tag: string | undefined): { locale: string; sample: string } {
  const format = new Intl.NumberFormat(tag);
  return { locale: format.resolvedOptions().locale, sample: format.format(1234567) };
}

/** The app's locale, decided once. */
export const appLocale: string = pickLocale(typeof navigator !== "undefined" ? (navigator.languages ?? [navigator.language]) : []);
