// Settings > General: the default model, the default timeout and the theme, kept in the database
// (the CLI uses the same defaults) and applied at once.

import { api, toApiError, type UserSettings } from "../api";
import { applyTheme, lastTheme } from "../theme";

/** The timeout a run gets when neither the panel nor the settings say. */
export const BUILTIN_TIMEOUT_SECS = 300;

class PreferencesStore {
  settings = $state<UserSettings>({ default_model: null, default_timeout_secs: null, theme: lastTheme() });
  error = $state<string | null>(null);
  loaded = $state(false);

  /** Loads the settings and applies the theme. */
  async load(): Promise<void> {
    try {
      this.settings = await api.userSettings();
      this.error = null;
    } catch (error) {
      this.error = toApiError(error).message;
    } finally {
      this.loaded = true;
      applyTheme(this.settings.theme);
    }
  }

  /** Saves a change (the theme applies at once, before the database answers). */
  async save(change: Partial<UserSettings>): Promise<boolean> {
    const next = { ...this.settings, ...change };
    if (change.theme) applyTheme(change.theme);
    try {
      this.settings = await api.saveUserSettings(next);
      this.error = null;
      return true;
    } catch (error) {
      this.error = toApiError(error).message;
      return false;
    }
  }

  /** The model a new prompt (or one without a model) starts on. */
  get defaultModel(): string {
    return this.settings.default_model ?? "echo";
  }

  /** The timeout a run starts with. */
  get defaultTimeout(): number {
    return this.settings.default_timeout_secs ?? BUILTIN_TIMEOUT_SECS;
  }
}

export const preferences = new PreferencesStore();
