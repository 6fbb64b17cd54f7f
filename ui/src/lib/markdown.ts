// Markdown for LLM output, which is untrusted: rendered with marked, then sanitized with
// DOMPurify so no script, event handler, frame, form, style or `javascript:` link survives.
// Every link opens nothing by itself: the UI shows its address and never navigates.

import DOMPurify from "dompurify";
import { Marked } from "marked";
import { highlight, searchWords } from "./highlight";

const marked = new Marked({ gfm: true, breaks: false, async: false });

const FORBID_TAGS = ["style", "script", "iframe", "frame", "object", "embed", "form", "input", "button", "textarea", "select", "link", "meta", "base", "svg", "math"];
const FORBID_ATTR = ["style", "srcset", "action", "formaction", "background", "ping"];

let configured = false;

function purifier(): typeof DOMPurify {
  if (!configured) {
    // Set once: parsing the options on every call made them again for each response shown.
    DOMPurify.setConfig({
      USE_PROFILES: { html: true },
      FORBID_TAGS,
      FORBID_ATTR,
      ALLOW_DATA_ATTR: false,
      ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
      IN_PLACE: true,
    });
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") {
        const href = node.getAttribute("href") ?? "";
        // Keep only web and mail links, shown as text in a title; nothing else may navigate.
        if (!/^(https?:|mailto:)/i.test(href)) node.removeAttribute("href");
        node.setAttribute("rel", "noopener noreferrer nofollow");
        node.setAttribute("target", "_blank");
      }
      if (node.tagName === "IMG") {
        // Remote images would leak that a response was viewed; keep the alt text only.
        node.removeAttribute("src");
      }
    });
    configured = true;
  }
  return DOMPurify;
}

/**
 * Markdown as sanitized nodes, ready to append to the page, with the words of `query` (if any)
 * marked. Parsed in a <template>, whose contents belong to an inert document (no script runs, no
 * image loads, no handler fires) that the page keeps, then cleaned in place there. DOMPurify's own
 * way, a DOMParser, made a whole new document (style engine and all) for every response shown.
 * The cleaned nodes are moved into the page as they are: never serialized and parsed again.
 */
export function renderMarkdownNodes(source: string, query: string | null = null): DocumentFragment {
  const template = document.createElement("template");
  template.innerHTML = marked.parse(source) as string;
  const root = template.content.ownerDocument.createElement("div");
  root.append(template.content);
  purifier().sanitize(root);
  if (query) markMatches(root, query);
  const fragment = template.content;
  fragment.append(...root.childNodes);
  return fragment;
}

/** Wraps the words of `query` in the text under `root` in <mark> elements. */
function markMatches(root: Element, query: string) {
  if (searchWords(query).length === 0) return;
  const doc = root.ownerDocument;
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node as Text);
  for (const text of texts) {
    const pieces = highlight(text.data, query);
    if (pieces.length === 1 && !pieces[0].match) continue;
    const out = doc.createDocumentFragment();
    for (const piece of pieces) {
      if (piece.match) {
        const mark = doc.createElement("mark");
        mark.textContent = piece.text;
        out.append(mark);
      } else out.append(piece.text);
    }
    text.replaceWith(out);
  }
}

/** Markdown as sanitized HTML, safe to put into the page. */
export function renderMarkdown(source: string): string {
  const host = document.createElement("div");
  host.append(renderMarkdownNodes(source));
  return host.innerHTML;
}

/**
 * A little markdown of each common kind (heading, emphasis, bold, code, link, list, code block),
 * which the app renders hidden once after launch: the first response a session shows would
 * otherwise pay for the parser's and sanitizer's first run (set-up, cold code in a webview without
 * its optimising JIT) and for its fonts before its first screen paints.
 */
export const WARM_UP_SOURCE =
  "## Heading\n\nSome *emphasis*, **bold**, `code` and a [link](https://example.com).\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n";
