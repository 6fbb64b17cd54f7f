// Word diffs of two texts with jsdiff, and folding the unchanged stretches between changes.
// Runs in a Web Worker (diff.worker.ts) so a megabyte-long diff never blocks the window.

import { diffLines, diffWordsWithSpace, type ChangeObject } from "diff";

/** A stretch of text: in both, only in the first (deleted) or only in the second (inserted). */
export interface Part {
  op: "equal" | "delete" | "insert";
  text: string;
}

/** A diff and how it was made. */
export interface DiffResult {
  parts: Part[];
  identical: boolean;
  /** The word diff ran out of time and this is a line diff instead. */
  coarse: boolean;
}

/** How long a word diff may take before it gives way to a line diff. */
export const WORD_DIFF_TIMEOUT_MS = 4000;

function toParts(changes: ChangeObject<string>[]): Part[] {
  const parts: Part[] = [];
  for (const c of changes) {
    const op: Part["op"] = c.added ? "insert" : c.removed ? "delete" : "equal";
    const last = parts[parts.length - 1];
    if (last && last.op === op) last.text += c.value;
    else parts.push({ op, text: c.value });
  }
  return parts;
}

/** The word diff of `a` and `b`; a line diff when the word diff takes longer than `timeoutMs`. */
export function wordDiff(a: string, b: string, timeoutMs = WORD_DIFF_TIMEOUT_MS): DiffResult {
  if (a === b) return { parts: a ? [{ op: "equal", text: a }] : [], identical: true, coarse: false };
  const words = diffWordsWithSpace(a, b, { timeout: timeoutMs });
  if (words) return { parts: toParts(words), identical: false, coarse: false };
  return { parts: toParts(diffLines(a, b)), identical: false, coarse: true };
}

/** A piece of the folded view: text to show, or an unchanged stretch folded away. */
export type Segment =
  | { kind: "text"; op: Part["op"]; text: string; change: number | null }
  | { kind: "fold"; text: string; lines: number; key: number };

/**
 * The parts with each long unchanged stretch folded, keeping `context` characters (cut at a line
 * or word boundary) next to the changes around it. Changes are numbered from 0 in order.
 */
export function fold(parts: Part[], context = 240): Segment[] {
  const out: Segment[] = [];
  let change = 0;
  let key = 0;
  parts.forEach((part, i) => {
    if (part.op !== "equal") {
      out.push({ kind: "text", op: part.op, text: part.text, change: change++ });
      return;
    }
    const before = i > 0;
    const after = i < parts.length - 1;
    const keep = (before ? context : 0) + (after ? context : 0);
    if (part.text.length <= keep + 80) {
      out.push({ kind: "text", op: "equal", text: part.text, change: null });
      return;
    }
    const head = before ? cut(part.text, context, "end") : "";
    const tail = after ? cut(part.text, context, "start") : "";
    const middle = part.text.slice(head.length, part.text.length - tail.length);
    if (head) out.push({ kind: "text", op: "equal", text: head, change: null });
    out.push({ kind: "fold", text: middle, lines: middle.split("\n").length, key: key++ });
    if (tail) out.push({ kind: "text", op: "equal", text: tail, change: null });
  });
  return out;
}

/** About `n` characters from the start (`end`: ending there) or the end of `text`, cut after a
 * newline or a space when there is one near. */
function cut(text: string, n: number, from: "start" | "end"): string {
  if (from === "end") {
    const slice = text.slice(0, n);
    const at = Math.max(slice.lastIndexOf("\n"), slice.lastIndexOf(" "));
    return at > n / 2 ? slice.slice(0, at + 1) : slice;
  }
  const slice = text.slice(text.length - n);
  const at = Math.min(...[slice.indexOf("\n"), slice.indexOf(" ")].filter((x) => x >= 0), slice.length);
  return at < n / 2 ? slice.slice(at + 1) : slice;
}

/** How many changes a diff has (insertions and deletions). */
export function changeCount(parts: Part[]): number {
  return parts.filter((p) => p.op !== "equal").length;
}
