// Whether a model chip names something a configured provider offers, before anything is run.

/** What is known of the providers: their names, and the models of those that could list theirs. */
export interface ProviderCatalogue {
  /** Every configured provider's name. */
  providers: string[];
  /** The models each provider listed, by provider name (absent: it could not list them). */
  listed: Record<string, string[]>;
}

/** Why `id` looks mistyped, or `null` when it may run. A provider that could not list its models
 * (no key yet, not running) gets the benefit of the doubt; `name` matches `name:latest` (Ollama). */
export function modelProblem(id: string, catalogue: ProviderCatalogue): string | null {
  const address = id.trim();
  if (address === "echo") return null;
  const slash = address.indexOf("/");
  if (slash <= 0 || slash === address.length - 1) {
    return `“${address}” is not a model address: write PROVIDER/MODEL, e.g. openai/gpt-4o-mini.`;
  }
  const provider = address.slice(0, slash);
  const model = address.slice(slash + 1);
  if (!catalogue.providers.includes(provider)) {
    const known = catalogue.providers.join(", ");
    return `No provider is named “${provider}”${known ? ` (configured: ${known})` : ""}: add it in Settings, or fix the name.`;
  }
  const listed = catalogue.listed[provider];
  if (!listed || listed.length === 0) return null;
  if (listed.includes(model) || listed.includes(`${model}:latest`)) return null;
  const close = closest(model, listed);
  return `${provider} does not offer “${model}”${close ? `: did you mean ${provider}/${close}?` : "."}`;
}

/** The listed name nearest to `name` by edit distance, when it is near enough to be a typo. */
export function closest(name: string, names: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const kept = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = kept;
    }
  }
  return row[b.length];
}
