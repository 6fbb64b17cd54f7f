// The models the picker offers (echo, then the ones found in the history).

import { api, toApiError, type ModelOption } from "../api";

class ModelsStore {
  items = $state<ModelOption[]>([{ id: "echo", model: "echo", source: "builtin", runs: 0 }]);
  error = $state<string | null>(null);

  async refresh(): Promise<void> {
    try {
      this.items = await api.listModels();
      this.error = null;
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  /** The distinct model names, for the history's model filter. */
  names = $derived([...new Set(this.items.map((m) => m.model))]);
}

export const models = new ModelsStore();
