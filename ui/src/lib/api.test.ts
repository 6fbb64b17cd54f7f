import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { api, ApiError, emptyFilter } from "./api";

afterEach(() => clearMocks());

const shell = path.resolve(__dirname, "../../../src-tauri");

/** Splits `text` on commas outside <...>, (...) and [...]. */
function topLevelParts(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if ("<([".includes(ch)) depth++;
    if (">)]".includes(ch)) depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (current.trim()) parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

const injected = /^(tauri::)?(State|AppHandle|Window|WebviewWindow|Webview|ipc::Channel|Channel)\b/;
const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Every `#[tauri::command]` in src-tauri and the argument names the UI must send it, read from
 * the Rust signatures: parameters the shell injects (State, AppHandle, ...) left out, names in
 * camelCase as Tauri expects them unless the command says `rename_all = "snake_case"`.
 */
function rustCommands(): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  for (const file of readdirSync(shell).filter((f) => f.endsWith(".rs"))) {
    const source = readFileSync(path.join(shell, file), "utf8");
    const attribute = /#\[tauri::command(\([^)]*\))?\]\s*pub\s+(?:async\s+)?fn\s+(\w+)\s*(?:<[^(]*>)?\s*\(/g;
    for (let m; (m = attribute.exec(source)); ) {
      const snake = (m[1] ?? "").includes('rename_all = "snake_case"');
      let depth = 1;
      let end = attribute.lastIndex;
      while (depth > 0) {
        const ch = source[end++];
        if (ch === "(") depth++;
        if (ch === ")") depth--;
      }
      const params = topLevelParts(source.slice(attribute.lastIndex, end - 1))
        .map((p) => p.split(":").map((s) => s.trim()))
        .filter(([, type]) => !injected.test(type))
        .map(([name]) => (snake ? name : camel(name)));
      commands.set(m[2], params.sort());
    }
  }
  return commands;
}

/** The commands `generate_handler!` registers in src-tauri/lib.rs. */
function registered(): Set<string> {
  const lib = readFileSync(path.join(shell, "lib.rs"), "utf8");
  const list = /generate_handler!\[([^\]]*)\]/.exec(lib)?.[1] ?? "";
  return new Set(topLevelParts(list).map((p) => p.split("::").pop() ?? p));
}

describe("api", () => {
  it("reads the commands from the Rust sources (the check below has something to compare)", () => {
    const commands = rustCommands();
    expect(commands.size).toBeGreaterThan(30);
    expect(commands.get("runs_page")).toEqual(["cursor", "filter", "limit"]);
    expect(commands.get("key_move_question")).toEqual(["baseUrl", "name"]);
    expect(commands.get("start_run")).toEqual(["request"]);
    // A long response comes in pieces, and is copied by the shell.
    expect(commands.get("get_run_head")).toEqual(["id"]);
    expect(commands.get("response_piece")).toEqual(["id", "maxChars", "startChar"]);
    expect(commands.get("copy_run_text")).toEqual(["id", "what"]);
  });

  it("asks for a response's pieces and copies by the names the shell reads", async () => {
    const calls: [string, unknown][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, args]);
      return cmd === "response_piece" ? "piece" : 3;
    });
    expect(await api.responsePiece("r1", 65_536, 262_144)).toBe("piece");
    expect(await api.copyRunText("r1", "prompt")).toBe(3);
    await api.getRunHead("r1");
    expect(calls).toEqual([
      ["response_piece", { id: "r1", startChar: 65_536, maxChars: 262_144 }],
      ["copy_run_text", { id: "r1", what: "prompt" }],
      ["get_run_head", { id: "r1" }],
    ]);
  });

  it("calls every command by its Rust name with exactly the Rust parameter names", async () => {
    const commands = rustCommands();
    const handlers = registered();
    const calls: [string, Record<string, unknown>][] = [];
    mockIPC((cmd, args) => {
      calls.push([cmd, (args ?? {}) as Record<string, unknown>]);
      return null;
    });
    const skip = new Set(["copyText", "openLink", "chooseImportFile", "chooseExportPath"]);
    let called = 0;
    for (const [name, fn] of Object.entries(api)) {
      if (skip.has(name) || name.startsWith("on")) continue;
      const args = Array.from({ length: (fn as (...a: unknown[]) => unknown).length }, () => "x");
      await (fn as (...a: unknown[]) => Promise<unknown>)(...args).catch(() => undefined);
      called++;
    }
    expect(calls.length).toBe(called);
    for (const [cmd, args] of calls) {
      expect(commands.has(cmd), `${cmd} is a #[tauri::command]`).toBe(true);
      expect(handlers.has(cmd), `${cmd} is registered in generate_handler!`).toBe(true);
      expect(Object.keys(args).sort(), `${cmd}'s arguments`).toEqual(commands.get(cmd));
    }
  });

  it("passes the values under those names", async () => {
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
