// The run parameters of the run panel: the fields as typed, and the JSON object saved with the
// prompt and sent with every run. Names are the ones every provider adapter understands
// (`system`, `temperature`, `max_tokens`, `top_p`, `stop`); each adapter puts them into its own
// wire format. Keys the panel has no field for (a `seed` saved from the CLI) are kept as they are.

/** The fields of the run panel, as typed. */
export interface ParamsForm {
  system: string;
  temperature: string;
  max_tokens: string;
  top_p: string;
  /** Stop sequences, one a line. */
  stop: string;
}

/** The keys the panel has a field for. */
export const FORM_KEYS = ["system", "temperature", "max_tokens", "top_p", "stop"] as const;

type Json = unknown;

function text(value: Json): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The fields for saved parameters. */
export function formFromParams(params: Record<string, Json> | null | undefined): ParamsForm {
  const p = params ?? {};
  const stop = p.stop;
  return {
    system: typeof p.system === "string" ? p.system : "",
    temperature: text(p.temperature),
    max_tokens: text(p.max_tokens),
    top_p: text(p.top_p),
    stop: Array.isArray(stop) ? stop.map(String).join("\n") : text(stop),
  };
}

/** What is wrong with each field, if anything (the field is marked and nothing is saved). */
export function paramErrors(form: ParamsForm): Partial<Record<keyof ParamsForm, string>> {
  const errors: Partial<Record<keyof ParamsForm, string>> = {};
  const number = (value: string) => (value.trim() === "" ? null : Number(value.trim()));
  const temperature = number(form.temperature);
  if (temperature !== null && !(Number.isFinite(temperature) && temperature >= 0 && temperature <= 2)) {
    errors.temperature = "Temperature is a number from 0 to 2.";
  }
  const topP = number(form.top_p);
  if (topP !== null && !(Number.isFinite(topP) && topP >= 0 && topP <= 1)) {
    errors.top_p = "Top P is a number from 0 to 1.";
  }
  const maxTokens = number(form.max_tokens);
  if (maxTokens !== null && !(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    errors.max_tokens = "Max tokens is a whole number, 1 or more.";
  }
  return errors;
}

/** The parameters the fields describe, with the saved keys they have no field for. Empty fields
 * send nothing: the provider's own default applies. */
export function paramsFromForm(form: ParamsForm, saved: Record<string, Json> | null | undefined = {}): Record<string, Json> {
  const params: Record<string, Json> = {};
  for (const [key, value] of Object.entries(saved ?? {})) {
    if (!(FORM_KEYS as readonly string[]).includes(key)) params[key] = value;
  }
  if (form.system.trim() !== "") params.system = form.system;
  const number = (value: string) => (value.trim() === "" ? null : Number(value.trim()));
  const temperature = number(form.temperature);
  if (temperature !== null && Number.isFinite(temperature)) params.temperature = temperature;
  const maxTokens = number(form.max_tokens);
  if (maxTokens !== null && Number.isFinite(maxTokens)) params.max_tokens = maxTokens;
  const topP = number(form.top_p);
  if (topP !== null && Number.isFinite(topP)) params.top_p = topP;
  const stop = form.stop
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (stop.length > 0) params.stop = stop;
  return params;
}

/** A one-line summary of parameters for a label: `temperature 0.2 · max_tokens 200 · system`. */
export function paramsSummary(params: Record<string, Json> | null | undefined): string {
  return Object.entries(params ?? {})
    .map(([key, value]) => (key === "system" ? "system prompt" : `${key} ${text(value)}`))
    .join(" · ");
}
