import { defineConfig } from "vitest/config"

// Runs on the built packages (dist): no source condition here, unlike the workspace's own tests.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } })
