// What the user typed for each prompt but that is not part of it: variable values, the models
// picked, the timeout. Kept per prompt for the session.

import type { PromptSummary } from "../api";

/** A prompt's run settings. */
export interface Draft {
  values: Record<string, string>;
  models: string[];
  extraModels: string[];
  timeout: number;
}

class Drafts {
  // Not reactive itself: each draft is its own reactive object, created on first use, so reading
  // a draft (in a $derived) never writes state.
  #byPrompt = new Map<string, Draft>();

  /** The draft of a prompt, created on first use. */
  of(prompt: PromptSummary): Draft {
    let draft = this.#byPrompt.get(prompt.id);
    if (!draft) {
      const model = prompt.default_model ?? "echo";
      const fresh = $state<Draft>({
        values: {},
        models: [model],
        extraModels: model === "echo" ? [] : [model],
        timeout: 300,
      });
      draft = fresh;
      this.#byPrompt.set(prompt.id, draft);
    }
    return draft;
  }
}

export const drafts = new Drafts();
