#!/usr/bin/env node
// Runs a workspace script with a toolchain that is new enough, bringing one if needed.
//
//   node scripts/toolchain.mjs run <script> [args...]
//   node scripts/toolchain.mjs example <example folder> [script] [args...]
//
// Works on Node >= 18 with only npm: when the current Node is older than 22.19 or pnpm is
// missing, Node 24 and pnpm are installed from the npm registry into .tools/ (git-ignored),
// dependencies are installed with that pnpm, and the script runs with .tools first on PATH.
// `example` runs a script of examples/<folder> (default `start`), building the packages first
// when their dist/ is older than their src/: the examples run on the built packages, as a user's
// app would.
// Set PROCURA_SYSTEM_TOOLCHAIN=1 to insist on the Node and pnpm already on PATH.
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const NODE_VERSION = "24.21.0"
const PNPM_VERSION = "10.34.9"
const MIN_NODE = [22, 19]

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const toolsDir = join(root, ".tools")
const toolsBin = join(toolsDir, "node_modules", ".bin")

const log = (message) => process.stderr.write(`[procura] ${message}\n`)

const run = (command, args, env) => {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env })
  if (result.error) throw result.error
  return result.status ?? 1
}

const probe = (command, args, env) => {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", env })
  return result.status === 0 ? result.stdout.trim() : undefined
}

const isNewEnough = (version) => {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number)
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])
}

const systemToolchainUsable = () =>
  isNewEnough(process.version) && probe("pnpm", ["--version"], process.env) !== undefined

const ensureLocalToolchain = () => {
  const env = { ...process.env, PATH: `${toolsBin}:${process.env.PATH}` }
  const haveNode = existsSync(join(toolsBin, "node")) && probe(join(toolsBin, "node"), ["--version"], env) === `v${NODE_VERSION}`
  const havePnpm = existsSync(join(toolsBin, "pnpm")) && probe(join(toolsBin, "pnpm"), ["--version"], env) === PNPM_VERSION
  if (!haveNode || !havePnpm) {
    const arch = process.arch === "arm64" ? "arm64" : "x64"
    const platform = process.platform === "darwin" ? "darwin" : "linux"
    log(`installing Node ${NODE_VERSION} and pnpm ${PNPM_VERSION} into .tools/ (from the npm registry)`)
    mkdirSync(toolsDir, { recursive: true })
    const status = run(
      "npm",
      [
        "install", "--prefix", toolsDir, "--no-audit", "--no-fund", "--loglevel=error",
        `node-${platform}-${arch}@${NODE_VERSION}`, `pnpm@${PNPM_VERSION}`
      ],
      process.env
    )
    if (status !== 0) throw new Error("could not install Node and pnpm from the npm registry")
  }
  return env
}

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0)

const ensureDependencies = (env) => {
  const marker = join(root, "node_modules", ".modules.yaml")
  const lock = join(root, "pnpm-lock.yaml")
  if (existsSync(marker) && mtime(marker) >= mtime(lock)) return
  log("installing dependencies with pnpm")
  const args = ["install", "--config.confirm-modules-purge=false"]
  if (existsSync(lock)) args.push("--frozen-lockfile")
  const status = run("pnpm", args, env)
  if (status !== 0) throw new Error("pnpm install failed")
}

/** The newest modification time of the files under `dir` (0 when it does not exist). */
const newest = (dir) => {
  if (!existsSync(dir)) return 0
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, mtime(join(entry.parentPath ?? entry.path, entry.name)))
  }
  return latest
}

/** The publishable packages (every folder under packages/ with a package.json and a src/). */
const packageDirs = () =>
  ["packages", "packages/storage", "packages/connectors", "packages/plugins"].flatMap((parent) =>
    readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, "src")))
      .map((entry) => join(root, parent, entry.name))
  )

/** Builds the packages when a source file is newer than its package's dist/ (examples use dist). */
const ensureBuilt = (env) => {
  const stale = packageDirs().filter((dir) => newest(join(dir, "dist")) < newest(join(dir, "src")))
  if (stale.length === 0) return 0
  log(`building the packages (${stale.length} out of date), as the examples run on their dist/`)
  return run("pnpm", ["run", "--silent", "build"], env)
}

const usage = () => {
  log("usage: node scripts/toolchain.mjs run <script> [args...]")
  log("       node scripts/toolchain.mjs example <example folder> [script, default start] [args...]")
  return 2
}

const main = () => {
  const [mode, script, ...rest] = process.argv.slice(2)
  if ((mode !== "run" && mode !== "example") || script === undefined) return usage()
  const useSystem = process.env.PROCURA_SYSTEM_TOOLCHAIN === "1" || systemToolchainUsable()
  const env = useSystem ? process.env : ensureLocalToolchain()
  if (!useSystem) log(`using ${probe("node", ["--version"], env)} and pnpm ${probe("pnpm", ["--version"], env)} from .tools/`)
  ensureDependencies(env)
  if (mode === "example") {
    const folder = join(root, "examples", script)
    if (!existsSync(join(folder, "package.json"))) {
      const known = readdirSync(join(root, "examples")).filter((name) => existsSync(join(root, "examples", name, "package.json")))
      log(`there is no example "${script}"; the examples are: ${known.join(", ")}`)
      return 2
    }
    const built = ensureBuilt(env)
    if (built !== 0) return built
    const [exampleScript = "start", ...args] = rest
    return run("pnpm", ["--dir", folder, "run", "--silent", exampleScript, ...args], env)
  }
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
  if (!(script in pkg.scripts)) {
    log(`unknown script "${script}"`)
    return 2
  }
  return run("pnpm", ["run", "--silent", script, ...rest], env)
}

try {
  process.exitCode = main()
} catch (error) {
  log(error instanceof Error ? error.message : String(error))
  process.exitCode = 1
}
