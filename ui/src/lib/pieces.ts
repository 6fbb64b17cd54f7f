// A run's response loaded a piece at a time: the detail view gets the head with the run, then
// asks for the next piece when its slices reach the end of what it has (the reader scrolls), or
// for all the rest ("Show all"). The store counts characters as code points (SQLite's substr on
// TEXT), JavaScript strings count UTF-16 units: offsets here are code points, never `.length`.

/** Characters fetched when the slices reach the end of what is loaded: several screens. */
export const SCROLL_PIECE = 262_144;
/** Characters per piece when loading all the rest (the shell's cap). */
export const ALL_PIECE = 1_048_576;

/** How many code points `text` has (what the store counts), without copying it. */
export function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n -= 1;
        i += 1;
      }
    }
  }
  return n;
}

/** Fetches up to `maxChars` code points of a response from `startChar` (api.responsePiece). */
export type FetchPiece = (startChar: number, maxChars: number) => Promise<string>;

/** A response as far as it is loaded. */
export interface Loaded {
  /** The text so far: always a prefix of the whole response. */
  text: string;
  /** Code points in `text`. */
  chars: number;
  /** Code points in the whole response. */
  total: number;
}

/** The next piece after `loaded` (at most `maxChars`), appended; `loaded` itself when complete. */
export async function loadNext(loaded: Loaded, fetch: FetchPiece, maxChars = SCROLL_PIECE): Promise<Loaded> {
  if (loaded.chars >= loaded.total) return loaded;
  const piece = await fetch(loaded.chars, maxChars);
  // The store sends what is there: an empty piece means the response is shorter than it said
  // (it was replaced meanwhile); stop there rather than ask again forever.
  if (piece === "") return { ...loaded, total: loaded.chars };
  return { text: loaded.text + piece, chars: loaded.chars + codePoints(piece), total: loaded.total };
}

/**
 * All the rest of the response after `loaded`, in pieces of `maxChars`, yielding to the browser
 * between them (`pause`) so frames keep coming while megabytes arrive. The pieces are joined once
 * at the end: appending each to a 50 MB string would copy it again every time.
 * `onprogress` hears the code points loaded so far.
 */
export async function loadRest(
  loaded: Loaded,
  fetch: FetchPiece,
  options: { maxChars?: number; pause?: () => Promise<void>; onprogress?: (chars: number) => void } = {},
): Promise<Loaded> {
  const maxChars = options.maxChars ?? ALL_PIECE;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  const pieces: string[] = [];
  let chars = loaded.chars;
  while (chars < loaded.total) {
    const piece = await fetch(chars, maxChars);
    if (piece === "") break;
    pieces.push(piece);
    chars += codePoints(piece);
    options.onprogress?.(chars);
    await pause();
  }
  // Whole now: `chars` is the total (a shorter response than announced ends where it ended).
  if (pieces.length === 0) return { ...loaded, total: chars };
  return { text: loaded.text + pieces.join(""), chars, total: chars };
}
