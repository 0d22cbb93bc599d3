// The one tsup configuration every package builds with: ESM, .d.ts, sourcemaps, for Node 22+.
import type { Options } from "tsup"

export const packageConfig = (entry: Array<string>): Options => ({
  entry,
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node22"
})
