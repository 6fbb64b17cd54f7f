// Short notices at the bottom of the window ("Copied response (1,234 characters)"), some with an
// action ("Deleted 3 runs · Undo").

/** A button in a notice. */
export interface ToastAction {
  label: string;
  run: () => void | Promise<void>;
}

/** One notice. */
export interface Toast {
  id: number;
  message: string;
  kind: "info" | "error";
  action?: ToastAction;
}

/** How long a notice with an action stays: long enough to notice and reach for Undo. */
export const ACTION_TOAST_MS = 10_000;

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  /** Shows `message` for a few seconds (errors and notices with an action stay longer). */
  show(message: string, kind: Toast["kind"] = "info", action?: ToastAction): void {
    const id = this.#next++;
    this.items = [...this.items.slice(-2), { id, message, kind, action }];
    setTimeout(() => this.dismiss(id), action ? ACTION_TOAST_MS : kind === "error" ? 8000 : 3000);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
