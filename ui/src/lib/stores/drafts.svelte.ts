// What the user typed for each prompt but that is not part of it: variable values, the models
// picked, the chips added, the timeout. Kept per prompt in the database (`prompt_memory`), so it
// is there again after a restart.

import { untrack } from "svelte";
import { api, type PromptMemory, type PromptSummary } from "../api";
import { preferences } from "./preferences.svelte";

/** A prompt's run settings. */
export interface Draft {
  values: Record<string, string>;
  models: string[];
  extraModels: string[];
  timeout: number;
}

/** How long after the last change the draft is written. */
export const SAVE_AFTER_MS = 400;

/** The memory to keep for a draft. */
export function memoryOf(draft: Draft, defaultTimeout: number): PromptMemory {
  return {
    variables: { ...draft.values },
    models: [...draft.models],
    extra_models: [...draft.extraModels],
    timeout_secs: draft.timeout && draft.timeout !== defaultTimeout ? Math.round(draft.timeout) : null,
  };
}

/** A draft with what was kept applied over the defaults. */
export function applyMemory(draft: Draft, memory: PromptMemory, defaultTimeout: number): void {
  const kept = Object.entries(memory.variables).filter((e): e is [string, string] => typeof e[1] === "string");
  draft.values = { ...draft.values, ...Object.fromEntries(kept) };
  if (memory.models.length > 0) draft.models = [...memory.models];
  if (memory.extra_models.length > 0) {
    draft.extraModels = [...new Set([...draft.extraModels, ...memory.extra_models])];
  }
  draft.timeout = memory.timeout_secs ?? defaultTimeout;
}

/**
 * A draft that was on the old default timeout moves to the new one: a timeout the user did not
 * choose is not pinned (it would then be saved as chosen, since it now differs from the default).
 */
export function followDefault(draft: Draft, before: number, after: number): void {
  if (draft.timeout === before) draft.timeout = after;
}

class Drafts {
  // Not reactive itself: each draft is its own reactive object, created on first use, so reading
  // a draft (in a $derived) never writes state.
  #byPrompt = new Map<string, Draft>();
  #followingDefault = false;

  /** The draft of a prompt, created on first use and filled from the database. */
  of(prompt: PromptSummary): Draft {
    let draft = this.#byPrompt.get(prompt.id);
    if (!draft) {
      const model = prompt.default_model ?? preferences.defaultModel;
      const fresh = $state<Draft>({
        values: {},
        models: [model],
        extraModels: model === "echo" ? [] : [model],
        timeout: preferences.defaultTimeout,
      });
      draft = fresh;
      this.#byPrompt.set(prompt.id, draft);
      this.#followDefaultTimeout();
      void this.#remember(prompt.id, fresh);
    }
    return draft;
  }

  /** Loads what was kept, then writes every later change shortly after it is made. */
  async #remember(id: string, draft: Draft): Promise<void> {
    try {
      const memory = await api.promptMemory(id);
      applyMemory(draft, memory, preferences.defaultTimeout);
    } catch {
      // Nothing kept, or no database (tests): the defaults stand.
    }
    let timer: ReturnType<typeof setTimeout> | null = null;
    let first = true;
    $effect.root(() => {
      $effect(() => {
        const memory = memoryOf(draft, preferences.defaultTimeout);
        JSON.stringify(memory);
        if (first) {
          first = false;
          return;
        }
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          api.savePromptMemory(id, memory).catch(() => {
            // The next change tries again; a deleted prompt has nothing to keep.
          });
        }, SAVE_AFTER_MS);
      });
    });
  }

  /** From the first draft on, a change of the default timeout in Settings reaches every draft on it. */
  #followDefaultTimeout(): void {
    if (this.#followingDefault) return;
    this.#followingDefault = true;
    let before = preferences.defaultTimeout;
    $effect.root(() => {
      $effect(() => {
        const after = preferences.defaultTimeout;
        if (after === before) return;
        untrack(() => {
          for (const draft of this.#byPrompt.values()) followDefault(draft, before, after);
        });
        before = after;
      });
    });
  }

  /** Forgets the drafts (another database, or a test). */
  clear(): void {
    this.#byPrompt.clear();
  }
}

export const drafts = new Drafts();
