// The models the picker offers (echo, then the ones found in the history, then what the
// providers list), and what is known of the providers to flag a mistyped model before a run.

import { api, toApiError, type ModelOption } from "../api";
import { modelProblem, type ProviderCatalogue } from "../modelCheck";

function merge(a: ModelOption[], b: ModelOption[]): ModelOption[] {
  const seen = new Set(a.map((m) => m.id));
  return [...a, ...b.filter((m) => !seen.has(m.id))];
}

/** The catalogue the provider-listed options and the configured provider names make. */
export function catalogueOf(providers: string[], fromProviders: ModelOption[]): ProviderCatalogue {
  const listed: Record<string, string[]> = {};
  for (const option of fromProviders) {
    const slash = option.id.indexOf("/");
    if (slash <= 0) continue;
    (listed[option.id.slice(0, slash)] ??= []).push(option.id.slice(slash + 1));
  }
  return { providers, listed };
}

class ModelsStore {
  items = $state<ModelOption[]>([{ id: "echo", model: "echo", source: "builtin", runs: 0 }]);
  error = $state<string | null>(null);
  /** The configured providers and what they listed; `null` until the providers were asked. */
  catalogue = $state.raw<ProviderCatalogue | null>(null);

  #fromProviders: ModelOption[] = [];

  /** Reloads the models of the history (fast), then asks the providers for theirs (slower). */
  async refresh(askProviders = false): Promise<void> {
    try {
      this.items = merge(await api.listModels(), this.#fromProviders);
      this.error = null;
      if (askProviders) {
        const [configured, listed] = await Promise.all([api.listProviders(), api.listProviderModels()]);
        this.#fromProviders = listed;
        this.items = merge(this.items, this.#fromProviders);
        this.catalogue = catalogueOf(
          configured.map((p) => p.name),
          listed,
        );
      }
    } catch (error) {
      this.error = toApiError(error).message;
    }
  }

  /** Why a model chip looks mistyped, or `null` (also while the providers were not asked yet). */
  problem(id: string): string | null {
    return this.catalogue ? modelProblem(id, this.catalogue) : null;
  }

  /** The distinct model names, for the history's model filter. */
  names = $derived([...new Set(this.items.map((m) => m.model))]);
}

export const models = new ModelsStore();
