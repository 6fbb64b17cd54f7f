import { afterEach, describe, expect, it } from "vitest";
import { applyTheme, effectiveTheme, lastTheme } from "./theme";

afterEach(() => localStorage.clear());

describe("theme", () => {
  it("shows what the setting says, the OS deciding for system", () => {
    expect(effectiveTheme("system", true)).toBe("dark");
    expect(effectiveTheme("system", false)).toBe("light");
    expect(effectiveTheme("light", true)).toBe("light");
    expect(effectiveTheme("dark", false)).toBe("dark");
  });

  it("applies at once and is kept for the next launch", () => {
    const root = document.createElement("div");
    applyTheme("dark", root);
    expect(root.dataset.theme).toBe("dark");
    expect(root.style.colorScheme).toBe("dark");
    expect(lastTheme()).toBe("dark");
    applyTheme("light", root);
    expect(root.dataset.theme).toBe("light");
    expect(lastTheme()).toBe("light");
  });

  it("starts on system when nothing was kept", () => {
    expect(lastTheme()).toBe("system");
  });
});
