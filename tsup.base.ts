// The one tsup configuration every package builds with: ESM and sourcemaps, for Node 22+. Declarations
// come from tsc (`tsc -p tsconfig.json` after tsup, see tsconfig.build.json), one .d.ts per source file.
import type { Options } from "tsup"

export const packageConfig = (entry: Array<string>): Options => ({
  entry,
  format: ["esm"],
  dts: false,
  sourcemap: true,
  clean: true,
  target: "node22"
})
