// The word diff, off the window's thread: a megabyte-long diff never freezes the window.
import { wordDiff } from "./wordDiff";

self.onmessage = (event: MessageEvent<{ id: number; a: string; b: string }>) => {
  const { id, a, b } = event.data;
  self.postMessage({ id, result: wordDiff(a, b) });
};
