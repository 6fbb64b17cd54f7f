import { describe, expect, it } from "vitest";
import { codePoints, loadNext, loadRest, type FetchPiece } from "./pieces";

/** A store's response_piece over `text`: offsets and lengths in code points, as SQLite counts. */
function store(text: string) {
  const points = Array.from(text);
  const calls: [number, number][] = [];
  const fetch: FetchPiece = async (start, max) => {
    calls.push([start, max]);
    return points.slice(start, start + max).join("");
  };
  return { fetch, calls, total: points.length };
}

const text = "Résumé 🦀 日本語 ✅ — naïve\n".repeat(300);

describe("pieces", () => {
  it("counts code points as the store does, not UTF-16 units", () => {
    expect(codePoints("🦀🦀")).toBe(2);
    expect("🦀🦀".length).toBe(4);
    expect(codePoints("日本語 ascii")).toBe(9);
    // A lone surrogate is one code point (the store would have stored U+FFFD there).
    expect(codePoints("\ud83e")).toBe(1);
    expect(codePoints(text)).toBe(Array.from(text).length);
  });

  it("asks for the next piece from where the loaded text ends, in code points", async () => {
    const s = store(text);
    const head = Array.from(text).slice(0, 101).join("");
    let loaded = { text: head, chars: 101, total: s.total };
    loaded = await loadNext(loaded, s.fetch, 50);
    expect(s.calls).toEqual([[101, 50]]);
    expect(loaded.chars).toBe(151);
    expect(text.startsWith(loaded.text)).toBe(true);
    while (loaded.chars < loaded.total) loaded = await loadNext(loaded, s.fetch, 997);
    expect(loaded.text).toBe(text);
    // Complete: nothing more is asked for.
    const before = s.calls.length;
    expect(await loadNext(loaded, s.fetch)).toBe(loaded);
    expect(s.calls.length).toBe(before);
  });

  it("loads all the rest in pieces, pausing between them, and joins them exactly", async () => {
    const s = store(text);
    const progress: number[] = [];
    let pauses = 0;
    const all = await loadRest({ text: "", chars: 0, total: s.total }, s.fetch, {
      maxChars: 1000,
      pause: async () => void (pauses += 1),
      onprogress: (chars) => progress.push(chars),
    });
    expect(all.text).toBe(text);
    expect(all.chars).toBe(s.total);
    expect(s.calls.length).toBe(Math.ceil(s.total / 1000));
    expect(pauses).toBe(s.calls.length);
    expect(progress.at(-1)).toBe(s.total);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it("stops at an empty piece instead of asking forever (the response was shorter)", async () => {
    const s = store("short");
    const all = await loadRest({ text: "", chars: 0, total: 1_000 }, s.fetch, { maxChars: 2, pause: async () => {} });
    expect(all).toEqual({ text: "short", chars: 5, total: 5 });
    const next = await loadNext({ text: "short", chars: 5, total: 1_000 }, s.fetch);
    expect(next.total).toBe(5);
  });
});
