// The colour theme: system (follow the OS), light or dark, applied to the page at once.

import type { Theme } from "./api";

/** The theme shown for a setting, given whether the OS prefers dark. */
export function effectiveTheme(theme: Theme, prefersDark: boolean): "light" | "dark" {
  if (theme === "system") return prefersDark ? "dark" : "light";
  return theme;
}

const QUERY = "(prefers-color-scheme: dark)";
/** Where the last theme is kept so the next launch paints in it before the database answers. */
export const THEME_KEY = "promptline.theme";
let follow: (() => void) | null = null;

/** Applies `theme` to `root` (`data-theme` and `color-scheme`) and, for `system`, follows the OS
 * as it changes. */
export function applyTheme(theme: Theme, root: HTMLElement = document.documentElement): void {
  const media = typeof matchMedia === "function" ? matchMedia(QUERY) : null;
  const paint = () => {
    const shown = effectiveTheme(theme, media?.matches ?? false);
    root.dataset.theme = shown;
    root.style.colorScheme = shown;
  };
  follow?.();
  follow = null;
  paint();
  if (theme === "system" && media) {
    media.addEventListener("change", paint);
    follow = () => media.removeEventListener("change", paint);
  }
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // No storage: the database still has it.
  }
}

/** The theme kept by the last launch (before the database answers). */
export function lastTheme(): Theme {
  try {
    const kept = localStorage.getItem(THEME_KEY);
    if (kept === "light" || kept === "dark" || kept === "system") return kept;
  } catch {
    // No storage.
  }
  return "system";
}
