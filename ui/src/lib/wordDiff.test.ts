import { describe, expect, it } from "vitest";
import { changeCount, fold, wordDiff } from "./wordDiff";

const rebuild = (parts: { op: string; text: string }[], keep: string) =>
  parts.filter((p) => p.op === "equal" || p.op === keep).map((p) => p.text).join("");

describe("wordDiff", () => {
  it("marks changed words and rebuilds both sides", () => {
    const a = "the quick brown fox";
    const b = "the slow brown fox jumps";
    const d = wordDiff(a, b);
    expect(d.identical).toBe(false);
    expect(rebuild(d.parts, "delete")).toBe(a);
    expect(rebuild(d.parts, "insert")).toBe(b);
    expect(d.parts.filter((p) => p.op === "delete").map((p) => p.text)).toEqual(["quick"]);
  });

  it("handles identical and empty texts", () => {
    expect(wordDiff("same", "same")).toEqual({ parts: [{ op: "equal", text: "same" }], identical: true, coarse: false });
    expect(wordDiff("", "").parts).toEqual([]);
    expect(wordDiff("", "new").parts).toEqual([{ op: "insert", text: "new" }]);
  });

  it("diffs a 1 MB text, and falls back to lines when out of time", () => {
    const words = Array.from({ length: 150_000 }, (_, i) => `w${i}`);
    const a = words.join(" ");
    const edited = [...words];
    edited[70_000] = "CHANGED";
    const b = edited.join(" ");
    expect(a.length).toBeGreaterThan(1_000_000);
    const d = wordDiff(a, b);
    expect(rebuild(d.parts, "insert")).toBe(b);
    if (!d.coarse) expect(d.parts.filter((p) => p.op === "insert").map((p) => p.text)).toEqual(["CHANGED"]);
    const coarse = wordDiff(a, b, 0);
    expect(rebuild(coarse.parts, "insert")).toBe(b);
  });
});

describe("fold", () => {
  it("folds long unchanged stretches and numbers the changes", () => {
    const long = "word ".repeat(400);
    const d = wordDiff(`${long}old ${long}`, `${long}new ${long}`);
    const segments = fold(d.parts, 50);
    expect(segments.filter((s) => s.kind === "fold").length).toBe(2);
    const changes = segments.filter((s) => s.kind === "text" && s.change !== null);
    expect(changes.length).toBe(changeCount(d.parts));
    expect(segments.map((s) => s.text).join("").length).toBe(d.parts.map((p) => p.text).join("").length);
  });

  it("keeps short stretches whole", () => {
    const d = wordDiff("a b c", "a x c");
    expect(fold(d.parts).every((s) => s.kind === "text")).toBe(true);
  });
});
