// The models the picker offers (echo, then the ones found in the history).

import { api, toApiError, type ModelOption } from "../api";

function merge(a: ModelOption[], b: ModelOption[]): ModelOption[] {
  const seen = new Set(a.map((m) => m.id));
  return [...a, ...b.filter((m) => !seen.has(m.id))];
}

class ModelsStore {
  items = $state<ModelOption[]>([{ id: "echo", model: "echo", source: "builtin", runs: 0 }]);
  error = $state<string | null>(null);

  #fromProviders: ModelOption[] = [];

  /** Reloads the models of the history (fast), then asks the providers for theirs (slower). */
  async refresh(askProviders = false): Promise<void> {
    try {
      this.items = merge(await api.listModels(), this.#fromProviders);
      this.error = null;
      if (askProviders) {
        this.#fromProviders = await api.listProviderModels();
        this.items = merge(this.items, this.#fromProviders);
      }
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  /** The distinct model names, for the history's model filter. */
  names = $derived([...new Set(this.items.map((m) => m.model))]);
}

export const models = new ModelsStore();
