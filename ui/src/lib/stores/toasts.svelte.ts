// Short notices at the bottom of the window ("Copied response (1,234 characters)").

/** One notice. */
export interface Toast {
  id: number;
  message: string;
  kind: "info" | "error";
}

class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  /** Shows `message` for a few seconds (errors stay longer). */
  show(message: string, kind: Toast["kind"] = "info"): void {
    const id = this.#next++;
    this.items = [...this.items.slice(-2), { id, message, kind }];
    setTimeout(() => this.dismiss(id), kind === "error" ? 8000 : 3000);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
