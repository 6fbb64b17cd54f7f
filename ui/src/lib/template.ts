// `{{variable}}` templates, by the same rule as promptline-core's template module: a variable is
// `{{name}}` with optional spaces inside the braces; names are letters, digits, `_`, `-` and `.`.

const NAME = /^[\p{L}\p{N}_.-]+$/u;

/** A piece of a template: plain text, or a variable with its name. */
export type Segment = { kind: "text"; text: string } | { kind: "variable"; text: string; name: string };

/** Splits a template into text and variables, in order. */
export function segments(template: string): Segment[] {
  const out: Segment[] = [];
  let pos = 0;
  let textStart = 0;
  for (;;) {
    const open = template.indexOf("{{", pos);
    if (open < 0) break;
    const close = template.indexOf("}}", open + 2);
    if (close < 0) break;
    const name = template.slice(open + 2, close).trim();
    if (NAME.test(name)) {
      if (open > textStart) out.push({ kind: "text", text: template.slice(textStart, open) });
      out.push({ kind: "variable", text: template.slice(open, close + 2), name });
      pos = close + 2;
      textStart = pos;
    } else {
      pos = open + 2;
    }
  }
  if (textStart < template.length) out.push({ kind: "text", text: template.slice(textStart) });
  return out;
}

/** The distinct variable names, in order of first appearance. */
export function variables(template: string): string[] {
  const names: string[] = [];
  for (const s of segments(template)) {
    if (s.kind === "variable" && !names.includes(s.name)) names.push(s.name);
  }
  return names;
}

/**
 * Values to run a recorded prompt text again exactly as it was: the run's own variables, and any
 * `{{placeholder}}` left in the text mapped to itself so it is sent literally.
 */
export function rerunVariables(promptText: string, recorded: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  if (recorded && typeof recorded === "object" && !Array.isArray(recorded)) {
    for (const [k, v] of Object.entries(recorded as Record<string, unknown>)) {
      if (typeof v === "string") values[k] = v;
    }
  }
  for (const s of segments(promptText)) {
    if (s.kind === "variable" && !(s.name in values)) values[s.name] = s.text;
  }
  return values;
}
