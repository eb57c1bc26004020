import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Tauri serves ui/dist; the dev server is only for `tauri dev`.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "safari15", outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  // A whole flow (the review list: keys, a confirmation, an undo) takes several waits; on two busy
  // cores that can pass 5 s without anything being wrong.
  test: { environment: "jsdom", globals: true, setupFiles: ["./src/test-setup.ts"], testTimeout: 20000 },
});
