import { cleanup, fireEvent, render } from "@testing-library/svelte";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import ConfirmDialog from "./ConfirmDialog.svelte";
import Toasts from "./Toasts.svelte";

const deleteAll = {
  title: "Delete all 7 runs?",
  body: "Every run in this history will be deleted.",
  confirmLabel: "Delete 7 runs",
  danger: true,
};

afterEach(cleanup);

describe("ConfirmDialog", () => {
  beforeAll(() => {
    // jsdom has <dialog> without its modal methods; the real webview is checked end to end.
    HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
      this.setAttribute("open", "");
    };
    HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
      this.removeAttribute("open");
    };
  });

  it("starts on Cancel, so a stray Enter or Space changes nothing", async () => {
    const onanswer = vi.fn();
    const { getByTestId } = render(ConfirmDialog, { props: { request: deleteAll, onanswer } });
    expect(document.activeElement).toBe(getByTestId("confirm-cancel"));
    const red = getByTestId("confirm");
    // Space on the red button is swallowed: only Enter or a click confirm a dangerous choice.
    const down = new KeyboardEvent("keydown", { key: " ", bubbles: true, cancelable: true });
    red.dispatchEvent(down);
    const up = new KeyboardEvent("keyup", { key: " ", bubbles: true, cancelable: true });
    red.dispatchEvent(up);
    expect(down.defaultPrevented && up.defaultPrevented).toBe(true);
    expect(onanswer).not.toHaveBeenCalled();
    await fireEvent.click(getByTestId("confirm-cancel"));
    expect(onanswer).toHaveBeenCalledWith(false);
  });

  it("keeps the red button disabled until the count is typed", async () => {
    const onanswer = vi.fn();
    const { getByTestId } = render(ConfirmDialog, {
      props: { request: { ...deleteAll, typeToConfirm: "7" }, onanswer },
    });
    const typed = getByTestId("confirm-typed") as HTMLInputElement;
    const red = getByTestId("confirm") as HTMLButtonElement;
    expect(document.activeElement).toBe(typed);
    expect(red.disabled).toBe(true);
    await fireEvent.input(typed, { target: { value: "8" } });
    await fireEvent.keyDown(typed, { key: "Enter" });
    expect(red.disabled).toBe(true);
    expect(onanswer).not.toHaveBeenCalled();
    await fireEvent.input(typed, { target: { value: "7" } });
    expect(red.disabled).toBe(false);
    await fireEvent.keyDown(typed, { key: "Enter" });
    expect(onanswer).toHaveBeenCalledWith(true);
  });
});

describe("Toasts", () => {
  it("offers a toast's action as a button of its own", async () => {
    const run = vi.fn();
    const ondismiss = vi.fn();
    const { getByTestId } = render(Toasts, {
      props: { items: [{ id: 1, message: "Deleted 3 runs", kind: "info", action: { label: "Undo", run } }], ondismiss },
    });
    expect(getByTestId("toast").textContent).toContain("Deleted 3 runs");
    await fireEvent.click(getByTestId("toast-action"));
    expect(run).toHaveBeenCalledOnce();
    expect(ondismiss).toHaveBeenCalledWith(1);
  });

  it("lets a click through a plain notice, not through an error or a notice with an action", () => {
    const { getAllByTestId } = render(Toasts, {
      props: {
        items: [
          { id: 1, message: "Saved a copy", kind: "info" },
          { id: 2, message: "Could not save", kind: "error" },
          { id: 3, message: "Deleted 3 runs", kind: "info", action: { label: "Undo", run: () => {} } },
        ],
        ondismiss: () => {},
      },
    });
    const [plain, error, undo] = getAllByTestId("toast");
    expect([plain, error, undo].map((t) => t.dataset.passive)).toEqual(["true", "false", "false"]);
    expect(plain.querySelector("button")).toBeNull();
    expect(error.querySelector("button.message")).not.toBeNull();
  });
});
