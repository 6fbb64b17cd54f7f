// Copy response / Copy prompt (and the `c` key): the shell reads the text from the store and puts
// it on the clipboard itself, so a 50 MB response never crosses to the window to be copied.
import { api, toApiError } from "./api";
import { plural } from "./format";

/** What a copy did, as the toast says it. */
export interface CopyOutcome {
  message: string;
  tone: "info" | "error";
}

/** Copies a run's whole response or prompt to the clipboard; says how it went. */
export async function copyRun(id: string, what: "response" | "prompt"): Promise<CopyOutcome> {
  try {
    const chars = await api.copyRunText(id, what);
    return { message: `Copied ${what} (${plural(chars, "character")})`, tone: "info" };
  } catch (error) {
    return { message: `Could not copy: ${toApiError(error).message}`, tone: "error" };
  }
}
