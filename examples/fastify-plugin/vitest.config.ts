import { defineConfig } from "vitest/config"

// Runs on the built packages (no `@procura/source` condition), as a user's app would. PGlite
// takes a while to start on a busy machine: generous timeouts.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000
  }
})
