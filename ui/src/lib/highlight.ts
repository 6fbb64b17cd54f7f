// Splits text around the words of a search so the matches can be marked. Matching is
// case-insensitive on whole search words or their prefixes, like the store's full-text search.

/** A piece of text, marked when it matches. */
export interface Piece {
  text: string;
  match: boolean;
}

/** The words of a search, longest first, without duplicates. */
export function searchWords(query: string): string[] {
  const words = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length > 0);
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `text` cut into pieces, the ones matching a word of `query` marked. */
export function highlight(text: string, query: string | null | undefined): Piece[] {
  const words = query ? searchWords(query) : [];
  if (words.length === 0 || text.length === 0) return [{ text, match: false }];
  const pattern = new RegExp(`(${words.map(escapeRegExp).join("|")})`, "giu");
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    const start = m.index ?? 0;
    if (start > last) pieces.push({ text: text.slice(last, start), match: false });
    pieces.push({ text: m[0], match: true });
    last = start + m[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), match: false });
  return pieces;
}

/** A snippet from the store's search (`SearchHit.snippet`) in pieces: each word between the
 * markers \u0002 and \u0003 marked. */
export function snippetPieces(snippet: string): Piece[] {
  const pieces: Piece[] = [];
  for (const [i, part] of snippet.split(/[\u0002\u0003]/).entries()) {
    if (part) pieces.push({ text: part, match: i % 2 === 1 });
  }
  return pieces;
}
