import { defineConfig } from "vitest/config"

export default defineConfig({
  ssr: { resolve: { conditions: ["@procura/source"] } },
  resolve: { conditions: ["@procura/source"] },
  test: {
    include: ["packages/**/test/**/*.test.ts", "docs/examples/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2
  }
})
