import { describe, expect, it } from "vitest";
import { highlight, snippetPieces } from "./highlight";

describe("highlight", () => {
  it("marks each search word, case-insensitively", () => {
    expect(highlight("Rust and rusty tools", "rust")).toEqual([
      { text: "Rust", match: true },
      { text: " and ", match: false },
      { text: "rust", match: true },
      { text: "y tools", match: false },
    ]);
  });
  it("treats regex characters in the query as text", () => {
    expect(highlight("a (b) c", "(b)").filter((p) => p.match).map((p) => p.text)).toEqual(["b"]);
  });
  it("returns the text whole without a query", () => {
    expect(highlight("abc", "")).toEqual([{ text: "abc", match: false }]);
  });
});

describe("snippetPieces", () => {
  it("marks the words between the store's markers", () => {
    expect(snippetPieces("…tell me about the \u0002quokka\u0003 please")).toEqual([
      { text: "…tell me about the ", match: false },
      { text: "quokka", match: true },
      { text: " please", match: false },
    ]);
    expect(snippetPieces("no hit")).toEqual([{ text: "no hit", match: false }]);
  });
});
