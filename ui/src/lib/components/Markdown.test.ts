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

describe("Markdown arriving in pieces", () => {
  it("asks for more when its slices reach the end of what is loaded, and goes on without starting over", async () => {
    const { tick } = await import("svelte");
    let observed: ((entries: { isIntersecting: boolean }[]) => void) | null = null;
    const saved = globalThis.IntersectionObserver;
    globalThis.IntersectionObserver = class {
      constructor(callback: (entries: { isIntersecting: boolean }[]) => void) {
        observed = callback;
      }
      observe() {}
      disconnect() {}
    } as unknown as typeof IntersectionObserver;
    try {
      const whole = big(160_000);
      const head = whole.slice(0, 65_536);
      let asked = 0;
      const { container, rerender } = render(Markdown, { props: { source: head, complete: false, onmore: () => (asked += 1) } });
      const host = container.querySelector<HTMLElement>("[data-testid=rendered]")!;
      const first = host.firstElementChild;
      // The last stretch of a partial text waits: a slice cut there could end mid-block.
      expect(Number(host.dataset.rendered)).toBeLessThan(head.length);
      expect(container.querySelector("[data-testid=response-more]")).toBeNull();
      // The reader nears the end: the rest of what is loaded renders, then more is asked for.
      observed!([{ isIntersecting: true }]);
      await waitFrames(40, () => asked > 0);
      expect(asked).toBeGreaterThan(0);
      const before = Number(host.dataset.rendered);
      await rerender({ source: whole.slice(0, 120_000), complete: false });
      await tick();
      await waitFrames(40, () => Number(host.dataset.rendered) > before);
      // Appended, not re-rendered from the start.
      expect(host.firstElementChild).toBe(first);
      expect(Number(host.dataset.rendered)).toBeGreaterThan(before);
      await rerender({ source: whole, complete: true });
      await waitFrames(400, () => Number(host.dataset.rendered) === whole.length);
      expect(Number(host.dataset.rendered)).toBe(whole.length);
      expect(host.firstElementChild).toBe(first);
      // Every slice parsed as the whole would: one h2 per block.
      expect(host.querySelectorAll("h2").length).toBe(whole.split("## Part").length - 1);
    } finally {
      globalThis.IntersectionObserver = saved;
    }
  }, 60_000);
});

/** Waits up to `n` frames (jsdom's requestAnimationFrame) for `done`. */
async function waitFrames(n: number, done: () => boolean): Promise<void> {
  for (let i = 0; i < n && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe("Markdown's slices", () => {
  it("are small enough to parse within a frame in a webview without its optimising JIT", () => {
    const { container } = render(Markdown, { props: { source: big(100_000) } });
    const slices = [...container.querySelectorAll<HTMLElement>("[data-testid=rendered] .slice")];
    expect(slices.length).toBeGreaterThan(0);
    // 12 K-character slices took over 100 ms each in the real window.
    for (const slice of slices) expect(slice.textContent!.length).toBeLessThan(4_000);
  });
});
