// Run by scripts/packed-install.mjs inside an application folder where the Procura tarballs are
// installed: imports every entry point of every package and checks it exports something.
import { readFileSync } from "node:fs"

const entries = JSON.parse(readFileSync(new URL("./entries.json", import.meta.url), "utf8"))
for (const entry of entries) {
  const loaded = await import(entry)
  const names = Object.keys(loaded)
  if (names.length === 0) throw new Error(`${entry} exports nothing`)
  console.log(`[packed] import ${entry}: ${names.join(", ")}`)
}
console.log(`[packed] ${entries.length} entry points import`)
