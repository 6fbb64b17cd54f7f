import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { copyRun } from "./copy";

afterEach(() => clearMocks());

describe("copyRun", () => {
  it("has the shell copy the text from the store: the text never crosses to the window", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "copy_run_text") return 50_000_000;
      throw { code: "internal", message: `unexpected ${cmd}` };
    });
    const outcome = await copyRun("run-1", "response");
    expect(calls).toEqual([["copy_run_text", { id: "run-1", what: "response" }]]);
    expect(outcome).toEqual({ message: "Copied response (50,000,000 characters)", tone: "info" });
    expect((await copyRun("run-1", "prompt")).message).toBe("Copied prompt (50,000,000 characters)");
    expect(calls[1]).toEqual(["copy_run_text", { id: "run-1", what: "prompt" }]);
  });

  it("says why a copy failed", async () => {
    mockIPC(() => {
      throw { code: "clipboard", message: "the clipboard refused the text: no display" };
    });
    expect(await copyRun("run-1", "response")).toEqual({ message: "Could not copy: the clipboard refused the text: no display", tone: "error" });
  });
});
