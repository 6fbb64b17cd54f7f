import { describe, expect, it } from "vitest";
import { FALLBACK_LOCALE, isRealLocale, pickLocale } from "./locale";

describe("the locale numbers are shown in", () => {
  it("is the user's when it is a real one", () => {
    expect(pickLocale(["de-DE", "en-US"])).toBe("de-DE");
    expect(new Intl.NumberFormat(pickLocale(["fr-FR"])).format(100000)).toMatch(/100\s000/);
  });

  it("falls back when the system says C or POSIX, or prints numbers bare", () => {
    for (const tag of ["C", "c", "C.UTF-8", "POSIX", "en-US-posix", "en-US-u-va-posix", "und"]) expect(isRealLocale(tag)).toBe(false);
    // WebKit under LANG=C: the languages are a POSIX locale and Intl's default prints no separators.
    const posix = () => ({ locale: "en-US-u-va-posix", sample: "1234567" });
    expect(pickLocale(["en-US-u-va-posix"], posix)).toBe(FALLBACK_LOCALE);
    expect(pickLocale([], () => ({ locale: "en", sample: "1234567" }))).toBe(FALLBACK_LOCALE);
    expect(new Intl.NumberFormat(pickLocale(["C"], posix)).format(100000)).toBe("100,000");
  });

  it("skips malformed tags", () => {
    expect(pickLocale(["not a tag!", "en-GB"])).toBe("en-GB");
  });
});
