import { defineConfig } from "vitest/config"

// Every test of packages/ and docs/, on source. The examples run on the built packages instead,
// each with its own vitest: `pnpm test:examples` (after `pnpm build`).
export default defineConfig({
  ssr: { resolve: { conditions: ["@procura/source"] } },
  resolve: { conditions: ["@procura/source"] },
  test: {
    include: ["packages/**/test/**/*.test.ts", "docs/examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2
  }
})
