// An in-window confirmation dialog, awaited like `window.confirm`.

/** What the dialog asks. */
export interface ConfirmRequest {
  title: string;
  body: string;
  confirmLabel: string;
  danger?: boolean;
  /** When set, the confirm button stays disabled until exactly this is typed (e.g. the count). */
  typeToConfirm?: string;
}

class ConfirmStore {
  request = $state<ConfirmRequest | null>(null);
  #resolve: ((ok: boolean) => void) | null = null;

  /** Opens the dialog; resolves true when the user confirms. */
  ask(request: ConfirmRequest): Promise<boolean> {
    this.#resolve?.(false);
    this.request = request;
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** Closes the dialog with the user's answer. */
  answer(ok: boolean): void {
    this.#resolve?.(ok);
    this.#resolve = null;
    this.request = null;
  }
}

export const confirmDialog = new ConfirmStore();
