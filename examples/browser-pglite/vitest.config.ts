import { defineConfig } from "vitest/config"

// Runs on the built packages (no `@procura/source` condition), as a user's app would, against the
// page Vite built into dist/ (`vite build` runs first). Chromium starts PGlite, and its first start
// creates the tables: generous timeouts.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000
  }
})
