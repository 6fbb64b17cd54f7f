import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

// Vite is rooted at ui/; the Tauri CLI (run from the repository root) starts it for `tauri dev`
// and embeds ui/dist for `tauri build`.
export default defineConfig({
  root,
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 1420, strictPort: true, watch: { ignored: ["**/src-tauri/**", "**/target/**"] } },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    root,
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    // jsdom on a busy 2-core machine can take seconds for a long list; a hang still fails.
    testTimeout: 20_000,
  },
});
