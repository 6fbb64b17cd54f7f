import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";
import { allSlices, nextSlice, HARD_FACTOR, SLICE_TARGET } from "./slices";

/** The source each slice covers, in order. */
function covered(source: string, markdown = true, target = SLICE_TARGET): string[] {
  let start = 0;
  return allSlices(source, markdown, target).map((s) => {
    const part = source.slice(start, s.end);
    start = s.end;
    return part;
  });
}

const doc = Array.from({ length: 150 }, (_, i) =>
  [
    `## Section ${i}`,
    `Some **bold** text and a [link](https://example.com/${i}) in paragraph ${i}.`,
    "```js\nconst x = " + i + ";\n\nconsole.log(x);\n```",
    `> a quote ${i}`,
  ].join("\n\n"),
).join("\n\n");

describe("slices", () => {
  it("cover the text exactly, in order, each bounded", () => {
    for (const markdown of [true, false]) {
      const parts = covered(doc, markdown, 2_000);
      expect(parts.join("")).toBe(doc);
      expect(parts.length).toBeGreaterThan(10);
      for (const p of parts) expect(p.length).toBeLessThanOrEqual(2_000 * HARD_FACTOR + 200);
    }
  });

  it("cut markdown between blocks: the slices render as the whole does", () => {
    const whole = renderMarkdown(doc).replace(/\s+/g, " ");
    const sliced = allSlices(doc, true, 2_000)
      .map((s) => renderMarkdown(s.text))
      .join("")
      .replace(/\s+/g, " ");
    expect(sliced).toBe(whole);
  });

  it("never cut inside a code fence's blank lines as if they ended it", () => {
    // Blank lines inside the fence are not block boundaries.
    const code = "```\n" + Array.from({ length: 2000 }, (_, i) => `line ${i}\n`).join("\n") + "```\n\nafter";
    const slices = allSlices(code, true, 1_000);
    expect(slices.length).toBeGreaterThan(2);
    for (const s of slices.slice(0, -1)) {
      // Every slice but the last is one code block: fenced at both ends.
      const html = renderMarkdown(s.text);
      expect(html.startsWith("<pre><code>")).toBe(true);
      expect(html.trim().endsWith("</code></pre>")).toBe(true);
    }
    const text = slices.map((s) => renderMarkdown(s.text)).join("");
    const host = document.createElement("div");
    host.innerHTML = text;
    const codes = [...host.querySelectorAll("pre code")].map((c) => c.textContent).join("");
    expect(codes).toBe(code.slice(4, code.lastIndexOf("```")));
    expect(host.lastElementChild?.textContent).toBe("after");
  });

  it("cut one huge line without splitting a character", () => {
    const line = "😀".repeat(30_000);
    const parts = covered(line, false, 1_000);
    expect(parts.join("")).toBe(line);
    for (const p of parts) expect(p.length % 2).toBe(0);
  });

  it("take time for a slice, not for the whole text", () => {
    const big = doc.repeat(Math.ceil(50_000_000 / doc.length));
    expect(big.length).toBeGreaterThan(50_000_000);
    // A repeated string is a rope until it is first read as a whole: make it one flat string,
    // as a response from the store is.
    expect(big.indexOf("\u0000")).toBe(-1);
    const t0 = performance.now();
    let start = 0;
    let fence: string | null = null;
    for (let i = 0; i < 10; i += 1) {
      const s = nextSlice(big, start, fence);
      start = s.end;
      fence = s.fence;
    }
    // Ten slices of a 50 MB text: a scan of the whole would take far longer.
    expect(performance.now() - t0).toBeLessThan(50);
    expect(start).toBeLessThan(20 * SLICE_TARGET);
  });
});
