// Cuts a long text into slices that can be rendered one at a time, so a response of any size
// shows its first screen at once and the rest as it is read: the work for one slice is bounded,
// and nothing scans the whole text before the first slice is out.
//
// Markdown is cut between blocks (at a blank line outside a fenced code block), so every slice
// parses as the whole would. A block longer than `HARD_FACTOR` slices is cut at a line end anyway;
// a code fence cut that way is closed at the end of its slice and opened again at the start of
// the next. A line longer than that is cut at a space, or anywhere (never inside a surrogate pair).
// What a cut can change: a list or a paragraph split in two, and a reference-style link whose
// definition is in another slice shows as text.

/** Characters a slice aims at: rendering one takes a few milliseconds. */
export const SLICE_TARGET = 12_000;
/** A slice with no block boundary is cut at a line end once it is this many targets long. */
export const HARD_FACTOR = 4;

/** One slice: `text` is what to render (a cut fence re-opened or closed), `end` where it ends in the source. */
export interface Slice {
  text: string;
  end: number;
  /** The fence still open at `end` (its opening line), to re-open in the next slice, or null. */
  fence: string | null;
}

const FENCE = /[ ]{0,3}(`{3,}|~{3,})[^\n]*/y;
const BLANK = /[ \t]*\r?(?:\n|$)/y;

/** The opening line of a code fence at `pos`, or null. */
function fenceAt(source: string, pos: number): string | null {
  FENCE.lastIndex = pos;
  const m = FENCE.exec(source);
  if (!m) return null;
  // A backtick fence's info string may not contain a backtick.
  if (m[1][0] === "`" && m[0].slice(m[0].indexOf(m[1]) + m[1].length).includes("`")) return null;
  return m[0].replace(/\r$/, "");
}

function markerOf(fence: string): string {
  return fence.trim().match(/^(`+|~+)/)?.[1] ?? "```";
}

/** Whether `line` closes the fence opened by `open`. */
function closes(open: string, line: string): boolean {
  const marker = markerOf(open);
  const t = line.trim();
  return t.length >= marker.length && t[0] === marker[0] && /^(`+|~+)$/.test(t);
}

function isBlank(source: string, pos: number): boolean {
  BLANK.lastIndex = pos;
  return BLANK.test(source);
}

/** A cut at or before `limit` that does not split a surrogate pair, at a space if one is near. */
function softCut(source: string, start: number, limit: number): number {
  const space = source.lastIndexOf(" ", limit - 1);
  let cut = space > start + (limit - start) / 2 ? space + 1 : limit;
  const code = source.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return Math.max(cut, start + 1);
}

/**
 * The slice of `source` from `start`, given the fence left open by the slice before (`fenceIn`).
 * With `markdown` false the text is plain: slices end at a line end. Costs time in proportion
 * to the slice, not to the text.
 */
export function nextSlice(source: string, start: number, fenceIn: string | null = null, markdown = true, target = SLICE_TARGET): Slice {
  if (source.length - start <= target) return finish(source, start, source.length, fenceIn, null);
  const hard = start + target * HARD_FACTOR;
  let fence = markdown ? fenceIn : null;
  let pos = start;
  while (pos < source.length) {
    const nl = source.indexOf("\n", pos);
    const lineEnd = nl === -1 ? source.length : nl;
    // A line that would make the slice too long: cut before it, or inside it if it is the first.
    if (lineEnd > hard) return finish(source, start, pos > start ? pos : softCut(source, start, hard), fenceIn, fence);
    const blank = markdown && fence === null && isBlank(source, pos);
    if (markdown) {
      if (fence === null) fence = fenceAt(source, pos);
      else if (closes(fence, source.slice(pos, lineEnd))) fence = null;
    }
    pos = nl === -1 ? source.length : nl + 1;
    if (pos - start >= target && (!markdown || blank)) return finish(source, start, pos, fenceIn, fence);
  }
  return finish(source, start, source.length, fenceIn, fence);
}

function finish(source: string, start: number, end: number, fenceIn: string | null, fence: string | null): Slice {
  let text = source.slice(start, end);
  if (fenceIn) text = fenceIn + "\n" + text;
  if (fence !== null && end < source.length) text += (text.endsWith("\n") ? "" : "\n") + markerOf(fence) + "\n";
  return { text, end, fence: end < source.length ? fence : null };
}

/** Every slice of `source` (for tests and small texts; the view takes them one at a time). */
export function allSlices(source: string, markdown = true, target = SLICE_TARGET): Slice[] {
  const out: Slice[] = [];
  let start = 0;
  let fence: string | null = null;
  do {
    const slice = nextSlice(source, start, fence, markdown, target);
    out.push(slice);
    start = slice.end;
    fence = slice.fence;
  } while (start < source.length);
  return out;
}
