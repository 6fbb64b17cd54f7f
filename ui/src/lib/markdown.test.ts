import { describe, expect, it, vi } from "vitest";
import { renderMarkdown, WARM_UP_SOURCE } from "./markdown";

const hostile = [
  "# Title",
  "<script>window.__pwned = 1</script>",
  '<img src="x" onerror="window.__pwned = 2">',
  "[click](javascript:window.__pwned=3)",
  '<a href="javascript:alert(1)" onclick="window.__pwned=4">a</a>',
  '<iframe src="https://example.com"></iframe>',
  '<svg onload="window.__pwned=5"><script>window.__pwned=6</script></svg>',
  '<div style="background:url(javascript:alert(1))" onmouseover="x()">styled</div>',
  '<form action="https://evil.example"><input name="q"><button formaction="javascript:alert(1)">go</button></form>',
  "[ok](https://example.com) and **bold** and `code`",
].join("\n\n");

describe("renderMarkdown", () => {
  it("keeps formatting and safe links", () => {
    const html = renderMarkdown(hostile);
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain('href="https://example.com"');
  });

  it("lets nothing executable survive", () => {
    const html = renderMarkdown(hostile);
    const lower = html.toLowerCase();
    expect(lower).not.toContain("<script");
    expect(lower).not.toContain("<iframe");
    expect(lower).not.toContain("<svg");
    expect(lower).not.toContain("<form");
    expect(lower).not.toContain("javascript:");
    expect(lower).not.toMatch(/\son[a-z]+=/);
    expect(lower).not.toContain("style=");

    const host = document.createElement("div");
    host.innerHTML = html;
    document.body.append(host);
    for (const el of host.querySelectorAll("*")) {
      for (const attr of el.getAttributeNames()) expect(attr.startsWith("on")).toBe(false);
    }
    for (const img of host.querySelectorAll("img")) expect(img.getAttribute("src")).toBeNull();
    // That nothing *runs* cannot be seen here: jsdom never runs scripts set through innerHTML, so
    // a canary would stay unset whatever the output. The real webview shows it: these same lines
    // in e2e/promises.test.mjs, and 102 hostile shapes in e2e/hostile.test.mjs.
    host.remove();
  });

  it("cleans a response where it was parsed, without making a document for it", () => {
    const parse = vi.spyOn(DOMParser.prototype, "parseFromString");
    const create = vi.spyOn(document.implementation, "createHTMLDocument");
    try {
      const html = renderMarkdown("</div></template><img src=x onerror=\"window.__pwned=7\">\n\n**still here**");
      expect(html).toContain("<strong>still here</strong>");
      expect(html.toLowerCase()).not.toContain("onerror");
      expect(parse).not.toHaveBeenCalled();
      expect(create).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
      create.mockRestore();
    }
  });
});

describe("WARM_UP_SOURCE", () => {
  it("has a piece of each kind the first response may use: heading, emphasis, bold, code, link, list, code block", () => {
    const html = renderMarkdown(WARM_UP_SOURCE);
    for (const tag of ["<h2", "<em>", "<strong>", "<code>", "<a ", "<li>", "<pre>"]) expect(html).toContain(tag);
  });
});
