import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Markdown from "./Markdown.svelte";

const block = (i: number) => `## Part ${i}\n\nSome **bold** words about rust, paragraph ${i}.\n\n- one\n- two\n`;
const big = (chars: number) => {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < chars; i += 1) {
    const b = block(i);
    parts.push(b);
    n += b.length + 1;
  }
  return parts.join("\n");
};

describe("Markdown", () => {
  it("shows the start of a 5 MB answer at once and not the whole of it", () => {
    const source = big(5_000_000);
    const t0 = performance.now();
    const { container } = render(Markdown, { props: { source } });
    const ms = performance.now() - t0;
    const host = container.querySelector<HTMLElement>("[data-testid=rendered]")!;
    const rendered = Number(host.dataset.rendered);
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(source.length / 10);
    expect(host.querySelector("h2")?.textContent).toBe("Part 0");
    expect(host.querySelector("strong")?.textContent).toBe("bold");
    expect(container.querySelector("[data-testid=response-more]")?.textContent).toMatch(/of 5,0\d\d,\d{3} characters/);
    // Rendering a slice at a time: jsdom is slow, but nowhere near a whole 5 MB parse.
    expect(ms).toBeLessThan(2_000);
  });

  it("renders a short answer whole, with the search words marked", () => {
    const { container } = render(Markdown, { props: { source: "Hello **Rust** world\n\n`rusty` code", query: "rust" } });
    const host = container.querySelector<HTMLElement>("[data-testid=rendered]")!;
    expect(Number(host.dataset.rendered)).toBe(Number(host.dataset.length));
    expect([...host.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["Rust", "rust"]);
    expect(host.querySelector("strong mark")?.textContent).toBe("Rust");
    expect(container.querySelector("[data-testid=response-more]")).toBeNull();
  });

  it("keeps every slice sanitized", () => {
    const hostile = '<img src="x" onerror="window.__pwned=1">\n\n<script>window.__pwned=2</script>\n\n[x](javascript:alert(1))\n\n';
    const source = (hostile + big(3_000) + "\n\n").repeat(40);
    const { container } = render(Markdown, { props: { source } });
    const host = container.querySelector<HTMLElement>("[data-testid=rendered]")!;
    expect(host.querySelectorAll("img").length).toBeGreaterThan(0);
    expect(host.querySelector("script")).toBeNull();
    for (const el of host.querySelectorAll("*")) {
      for (const attr of el.getAttributeNames()) expect(attr.startsWith("on")).toBe(false);
      expect(el.getAttribute("href") ?? "").not.toMatch(/^javascript:/i);
      expect(el.getAttribute("src")).toBeNull();
    }
  });

  it("shows raw text in slices, with the search words marked", () => {
    const source = Array.from({ length: 5_000 }, (_, i) => `line ${i} with *stars* and rust`).join("\n");
    const { container } = render(Markdown, { props: { source, raw: true, query: "rust" } });
    const host = container.querySelector<HTMLElement>("[data-testid=rendered]")!;
    expect(host.querySelector("em")).toBeNull();
    expect(host.textContent!.startsWith("line 0 with *stars* and rust\nline 1")).toBe(true);
    expect(host.querySelectorAll("mark").length).toBeGreaterThan(10);
    expect(source.startsWith(host.textContent!)).toBe(true);
  });
});
