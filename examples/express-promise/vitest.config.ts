import { defineConfig } from "vitest/config"

// Runs on the built packages (no `@procura/source` condition), as a user's app would. PGlite
// starts, and the shutdown test starts the host twice as a child process: generous timeouts.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
