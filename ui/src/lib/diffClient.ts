// Asks the diff worker for word diffs; where workers do not exist (unit tests), diffs in place.
import { wordDiff, type DiffResult } from "./wordDiff";

let worker: Worker | null = null;
let next = 1;
const waiting = new Map<number, (result: DiffResult) => void>();

function theWorker(): Worker | null {
  if (typeof Worker === "undefined") return null;
  if (!worker) {
    worker = new Worker(new URL("./diff.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id: number; result: DiffResult }>) => {
      waiting.get(event.data.id)?.(event.data.result);
      waiting.delete(event.data.id);
    };
  }
  return worker;
}

/** The word diff of two texts, computed in the worker. */
export function diffInWorker(a: string, b: string): Promise<DiffResult> {
  const w = theWorker();
  if (!w) return Promise.resolve(wordDiff(a, b));
  const id = next++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    w.postMessage({ id, a, b });
  });
}
