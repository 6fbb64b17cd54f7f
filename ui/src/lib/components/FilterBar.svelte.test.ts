import { cleanup, fireEvent, render } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { FilterState } from "../stores/history.svelte";
import FilterBar from "./FilterBar.svelte";

function filter(): FilterState {
  return { statuses: [], model: "", from: "", to: "", query: "", whose: "", rating: "", tag: "", source: "" };
}

afterEach(() => cleanup());

describe("FilterBar", () => {
  it("applies a date as soon as it is entered, not when the field is left", async () => {
    const f = $state(filter());
    let changes = 0;
    const { getByTestId } = render(FilterBar, {
      props: { filter: f, models: [], ontogglestatus: () => {}, onchange: () => (changes += 1), onsearch: () => {} },
    });
    const from = getByTestId("date-from") as HTMLInputElement;
    from.value = "2026-11-02";
    await fireEvent.input(from);
    expect(f.from).toBe("2026-11-02");
    expect(changes).toBe(1);
  });

  it("clears the text and the search with Esc", async () => {
    const f = $state({ ...filter(), query: "rust" });
    let searches = 0;
    const { getByTestId } = render(FilterBar, {
      props: { filter: f, models: [], ontogglestatus: () => {}, onchange: () => {}, onsearch: () => (searches += 1) },
    });
    const box = getByTestId("history-search") as HTMLInputElement;
    expect(box.value).toBe("rust");
    await fireEvent.keyDown(box, { key: "Escape" });
    expect(f.query).toBe("");
    expect(box.value).toBe("");
    expect(searches).toBe(1);
  });
});
