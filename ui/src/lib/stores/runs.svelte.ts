// Runs under way and just finished, as the centre pane shows them: streamed text, elapsed time,
// time to first token and tokens per second. One batch per prompt (one run per picked model).

import {
  api,
  toApiError,
  type RunEventPayload,
  type RunFinishedPayload,
  type RunStatus,
  type RunSummary,
  type StartRun,
} from "../api";

/** A run as the live panel shows it. */
export interface LiveRun {
  /** The run id, once the shell has accepted it. */
  id: string | null;
  model: string;
  text: string;
  /** `running` until the run is recorded. */
  status: RunStatus | "starting" | "running";
  startedAt: number;
  firstTokenAt: number | null;
  finishedAt: number | null;
  /** Text events received (a stand-in for tokens until the provider reports usage). */
  chunks: number;
  outputTokens: number | null;
  error: string | null;
  summary: RunSummary | null;
}

type Listener = (run: RunSummary) => void;

class RunsStore {
  /** Batches by prompt id (`""` for ad-hoc runs). */
  batches = $state<Record<string, LiveRun[]>>({});
  /** Ticks while anything runs, so elapsed times move. */
  now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | null = null;
  #byId = new Map<string, LiveRun>();
  /** Events that arrived before `start_run` returned their run's id (a fast run can finish first). */
  #early = new Map<string, (() => void)[]>();
  #listeners = new Set<Listener>();
  #started = false;

  /** Subscribes to the shell's run events (once). */
  async init(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await api.onRunEvent((payload) => {
      const run = this.#byId.get(payload.run_id);
      if (!run) return this.#defer(payload.run_id, () => this.#applyEvent(payload));
      this.#applyEvent(payload);
    });
    await api.onRunFinished((payload) => {
      if (!this.#byId.has(payload.run_id)) return this.#defer(payload.run_id, () => this.#applyFinished(payload));
      this.#applyFinished(payload);
    });
  }

  #defer(id: string, apply: () => void): void {
    const queue = this.#early.get(id) ?? [];
    queue.push(apply);
    this.#early.set(id, queue);
    // Runs started elsewhere never claim theirs: forget them after a while.
    if (queue.length === 1) setTimeout(() => this.#early.delete(id), 60_000);
  }

  #applyEvent(payload: RunEventPayload): void {
    const run = this.#byId.get(payload.run_id);
    if (!run) return;
    if (payload.text) {
      if (run.firstTokenAt === null) run.firstTokenAt = Date.now();
      run.text += payload.text;
      run.chunks += 1;
    }
    if (payload.output_tokens != null) run.outputTokens = payload.output_tokens;
  }

  #applyFinished(payload: RunFinishedPayload): void {
    const run = this.#byId.get(payload.run_id);
    if (run) {
      run.finishedAt = Date.now();
      if (payload.run) {
        run.summary = payload.run;
        run.status = payload.run.status;
        run.error = payload.run.error_message;
        run.outputTokens = payload.run.output_tokens ?? run.outputTokens;
      } else {
        run.status = "error";
        run.error = payload.error?.message ?? "The run could not be recorded.";
      }
      this.#byId.delete(payload.run_id);
      this.#tick();
    }
    if (payload.run) for (const listener of this.#listeners) listener(payload.run);
  }

  /** Calls `listener` whenever a run has been recorded. */
  onRecorded(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The batch of a prompt. */
  batch(promptId: string | null): LiveRun[] {
    return this.batches[promptId ?? ""] ?? [];
  }

  /** Whether any run of a prompt's batch is under way. */
  running(promptId: string | null): boolean {
    return this.batch(promptId).some((r) => r.status === "running" || r.status === "starting");
  }

  /** Starts `request` on each of `models` side by side. */
  async start(request: Omit<StartRun, "model">, models: string[]): Promise<void> {
    const key = request.prompt_id ?? "";
    const batch: LiveRun[] = models.map((model) => ({
      id: null,
      model,
      text: "",
      status: "starting",
      startedAt: Date.now(),
      firstTokenAt: null,
      finishedAt: null,
      chunks: 0,
      outputTokens: null,
      error: null,
      summary: null,
    }));
    this.batches[key] = batch;
    const live = this.batches[key];
    this.#tick();
    await Promise.all(
      live.map(async (run) => {
        try {
          const id = await api.startRun({ ...request, model: run.model });
          run.id = id;
          if (run.status === "starting") run.status = "running";
          this.#byId.set(id, run);
          for (const apply of this.#early.get(id) ?? []) apply();
          this.#early.delete(id);
        } catch (error) {
          run.status = "error";
          run.error = toApiError(error).message;
          run.finishedAt = Date.now();
        }
      }),
    );
    this.#tick();
  }

  /** Cancels every run of a prompt's batch that is under way. */
  async cancel(promptId: string | null): Promise<void> {
    await Promise.all(
      this.batch(promptId)
        .filter((r) => r.id && r.status === "running")
        .map((r) => api.cancelRun(r.id as string)),
    );
  }

  #tick(): void {
    this.now = Date.now();
    const anyRunning = Object.values(this.batches).some((b) =>
      b.some((r) => r.status === "running" || r.status === "starting"),
    );
    if (anyRunning && this.#timer === null) {
      this.#timer = setInterval(() => this.#tick(), 100);
    } else if (!anyRunning && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}

export const liveRuns = new RunsStore();
