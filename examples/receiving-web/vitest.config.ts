import { defineConfig } from "vitest/config"

// Runs on the built packages (dist); the page is built by `pnpm test` (vite build) first.
export default defineConfig({ test: { include: ["test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 120_000 } })
