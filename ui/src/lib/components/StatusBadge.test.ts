import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import StatusBadge from "./StatusBadge.svelte";

describe("StatusBadge", () => {
  it("says the status in words beside its icon", () => {
    for (const [status, word] of [
      ["success", "Success"],
      ["error", "Error"],
      ["timeout", "Timeout"],
      ["cancelled", "Cancelled"],
      ["interrupted", "Interrupted"],
      ["running", "Running"],
    ] as const) {
      const { container, unmount } = render(StatusBadge, { props: { status } });
      const badge = container.querySelector(".badge");
      expect(badge?.textContent?.trim()).toBe(word);
      expect(badge?.querySelector("svg")).not.toBeNull();
      unmount();
    }
  });
});
