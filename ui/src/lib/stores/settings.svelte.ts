// Settings > Providers: the configured providers, the form, key storage and connection tests.

import { api, toApiError, type ProviderInfo, type ProviderInput, type ProviderTest } from "../api";
import { confirmDialog } from "./confirm.svelte";
import { toasts } from "./toasts.svelte";

/** Base URLs offered when a kind is picked. */
export const DEFAULT_BASE_URLS: Record<string, string> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com/v1",
  gemini: "https://generativelanguage.googleapis.com/v1beta",
  echo: "",
};

function blank(): ProviderInput {
  return { name: "", kind: "openai", base_url: DEFAULT_BASE_URLS.openai, key_env: "" };
}

class SettingsStore {
  providers = $state<ProviderInfo[]>([]);
  loading = $state(true);
  error = $state<string | null>(null);
  /** The provider being edited (`null` while adding a new one). */
  editing = $state<string | null>(null);
  form = $state<ProviderInput>(blank());
  key = $state("");
  formError = $state<string | null>(null);
  tests = $state<Record<string, ProviderTest | "testing">>({});

  async refresh(): Promise<void> {
    try {
      this.providers = await api.listProviders();
      this.error = null;
    } catch (error) {
      this.error = toApiError(error).message;
    } finally {
      this.loading = false;
    }
  }

  /** Opens the form for a new provider. */
  startAdd(): void {
    this.editing = null;
    this.form = blank();
    this.key = "";
    this.formError = null;
  }

  /** Opens the form on an existing provider. */
  startEdit(provider: ProviderInfo): void {
    this.editing = provider.name;
    this.form = { name: provider.name, kind: provider.kind, base_url: provider.base_url, key_env: provider.key_env ?? "" };
    this.key = "";
    this.formError = null;
  }

  /** Saves the form (and the key, if one was typed); returns whether it worked. A base URL on
   * another origin (scheme, host, port) does not take the stored key along: the user pastes a key
   * for the new server, or confirms moving the old one in a dialog that names both origins. */
  async save(): Promise<boolean> {
    this.formError = null;
    try {
      let moveKey = false;
      let keyLeftAt: string | null = null;
      if (this.editing && !this.key.trim()) {
        const move = await api.keyMoveQuestion(this.editing, this.form.base_url);
        if (move) {
          moveKey = await confirmDialog.ask({
            title: `Send the key of ${this.editing} to ${move.to}?`,
            body:
              `Its key is stored for ${move.from}. The new base URL is on ${move.to}, another server. ` +
              `Move the key there only if that server should have it; otherwise cancel and paste a key for ${move.to}.`,
            confirmLabel: `Move the key to ${move.to}`,
            danger: true,
          });
          if (!moveKey) {
            this.formError = `The key stays with ${move.from} and is not sent to ${move.to}. Paste a key for ${move.to} and save again.`;
            return false;
          }
        }
      } else if (this.editing) {
        const move = await api.keyMoveQuestion(this.editing, this.form.base_url);
        keyLeftAt = move?.from ?? null;
      }
      const saved = this.editing
        ? await api.updateProvider(this.editing, this.form, moveKey)
        : await api.addProvider(this.form);
      if (this.key.trim()) {
        const where = await api.setProviderKey(saved.name, this.key);
        const left = keyLeftAt ? ` (the key for ${keyLeftAt} stays there)` : "";
        toasts.show(`Saved ${saved.name}; its key for ${saved.key_origin} is in ${where}${left}`);
      } else if (moveKey) {
        toasts.show(`Saved ${saved.name}; its key now goes to ${saved.key_origin}`);
      } else {
        toasts.show(`Saved ${saved.name}`);
      }
      this.key = "";
      this.editing = saved.name;
      await this.refresh();
      return true;
    } catch (error) {
      this.formError = toApiError(error).message;
      return false;
    }
  }

  async remove(provider: ProviderInfo): Promise<void> {
    const ok = await confirmDialog.ask({
      title: `Remove ${provider.name}?`,
      body: "Its configuration and the key stored for it are deleted. Runs already recorded stay.",
      confirmLabel: `Remove ${provider.name}`,
      danger: true,
    });
    if (!ok) return;
    try {
      await api.removeProvider(provider.name);
      if (this.editing === provider.name) this.startAdd();
      await this.refresh();
      toasts.show(`Removed ${provider.name}`);
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
    }
  }

  async forgetKey(provider: ProviderInfo): Promise<void> {
    try {
      const had = await api.deleteProviderKey(provider.name);
      toasts.show(had ? `Deleted the stored key of ${provider.name}` : `${provider.name} had no stored key`);
      await this.refresh();
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
    }
  }

  async test(name: string): Promise<void> {
    this.tests[name] = "testing";
    try {
      this.tests[name] = await api.testProvider(name);
    } catch (error) {
      this.tests[name] = { ok: false, message: toApiError(error).message, models: [] };
    }
  }
}

export const settings = new SettingsStore();
