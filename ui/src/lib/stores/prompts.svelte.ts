// The prompt list and which prompt (or All runs) is open.

import { api, toApiError, type Deletion, type PromptSummary } from "../api";
import { plural } from "../format";
import { confirmDialog } from "./confirm.svelte";
import { preferences } from "./preferences.svelte";
import { toasts } from "./toasts.svelte";

class PromptsStore {
  items = $state<PromptSummary[]>([]);
  search = $state("");
  /** The open prompt's id; `null` shows All runs. */
  selectedId = $state<string | null>(null);
  loading = $state(true);
  error = $state<string | null>(null);
  #generation = 0;

  selected = $derived(this.items.find((p) => p.id === this.selectedId) ?? null);

  /** Reloads the list (keeps the selection). */
  async refresh(): Promise<void> {
    const generation = ++this.#generation;
    try {
      const items = await api.listPrompts(this.search.trim() || null);
      if (generation !== this.#generation) return;
      this.items = items;
      this.error = null;
    } catch (error) {
      if (generation === this.#generation) this.error = toApiError(error).message;
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }

  /** Opens a prompt, or All runs with `null`. */
  select(id: string | null): void {
    this.selectedId = id;
  }

  /** Creates an empty prompt and opens it. */
  async create(): Promise<string | null> {
    try {
      const prompt = await api.createPrompt({
        name: "Untitled prompt",
        template: "",
        default_model: preferences.defaultModel,
        params: null,
      });
      this.search = "";
      await this.refresh();
      this.selectedId = prompt.id;
      return prompt.id;
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
      return null;
    }
  }

  /** Asks, then deletes a prompt with its runs. Returns whether it was deleted. */
  /** Asks, then deletes a prompt and its runs; says what went, for the toast and its Undo. */
  async remove(id: string): Promise<{ message: string; deletion: Deletion } | null> {
    const prompt = this.items.find((p) => p.id === id);
    try {
      const runs = await api.promptRunCount(id);
      const ok = await confirmDialog.ask({
        title: `Delete “${prompt?.name ?? "this prompt"}”?`,
        body:
          runs === 0
            ? "It has no runs. You can undo it for a few seconds."
            : `Its ${plural(runs, "run")} will be deleted with it. You can undo it for a few seconds.`,
        confirmLabel: runs === 0 ? "Delete prompt" : `Delete prompt and ${plural(runs, "run")}`,
        danger: true,
      });
      if (!ok) return null;
      const deletion = await api.deletePrompt(id);
      if (this.selectedId === id) this.selectedId = null;
      await this.refresh();
      return { message: `Deleted “${prompt?.name ?? "prompt"}” and ${plural(deletion.runs, "run")}`, deletion };
    } catch (error) {
      toasts.show(toApiError(error).message, "error");
      return null;
    }
  }
}

export const prompts = new PromptsStore();
