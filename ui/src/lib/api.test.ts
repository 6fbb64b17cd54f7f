import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { api, ApiError, emptyFilter } from "./api";

afterEach(() => clearMocks());

describe("api", () => {
  it("passes arguments by the commands' parameter names", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "runs_page") return { items: [], next_cursor: null };
      return null;
    });
    const page = await api.runsPage({ ...emptyFilter(), statuses: ["error"] }, "1:abc", 50);
    expect(page.next_cursor).toBeNull();
    expect(calls[0][0]).toBe("runs_page");
    expect(calls[0][1]).toMatchObject({ cursor: "1:abc", limit: 50, filter: { statuses: ["error"] } });
  });

  it("turns a {code, message} rejection into an ApiError to branch on", async () => {
    mockIPC(() => {
      throw { code: "not_found", message: "no prompt with id `x`" };
    });
    const error = await api.getPrompt("x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("not_found");
    expect((error as ApiError).message).toContain("no prompt");
  });
});
