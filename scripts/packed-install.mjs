#!/usr/bin/env node
// Installs Procura the way a user does and checks that it works from there.
//
//   node scripts/packed-install.mjs [--keep]
//
// Needs the packages built (`pnpm build`). Packs every publishable package with `pnpm pack`
// (which turns `workspace:*` into real versions), then, once with npm and once with pnpm, in an
// empty folder outside the repository:
//   1. installs the tarballs (and `effect`, their peer) as an application would;
//   2. imports every entry point of every package, and type-checks a TypeScript file that
//      imports them all against the installed declarations;
//   3. runs the getting-started flow (request, approval, purchase order, submit, receive with
//      serials, assign) from the installed packages on embedded PGlite and on PostgreSQL
//      (PROCURA_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432, a fresh database);
//   4. runs the installed CLI: `procura --help` and `procura demo --requests 3`, `procura-mcp --help`, and
//      an MCP client session with the installed `procura-mcp` over stdio;
//   5. type-checks and runs the first TypeScript sample of every package's README as a file of
//      the application (the testkit's through vitest, as an adapter's test file).
// Exits non-zero on the first failure. `--keep` leaves the folders in place for inspection.
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const here = join(root, "scripts", "packed")
const keep = process.argv.includes("--keep")

const log = (message) => process.stdout.write(`[packed] ${message}\n`)

const run = (command, args, options = {}) => {
  log(`$ ${command} ${args.join(" ")}${options.cwd ? `   (in ${options.cwd})` : ""}`)
  const result = spawnSync(command, args, { stdio: "inherit", ...options, env: { ...process.env, ...options.env } })
  if (result.error) throw result.error
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.status}`)
}

const capture = (command, args, options = {}) => {
  const result = spawnSync(command, args, { encoding: "utf8", ...options, env: { ...process.env, ...options.env } })
  if (result.error) throw result.error
  return result
}

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"))

/** The publishable packages of the workspace: every non-private package under packages/. */
const publishable = () => {
  const listed = capture("pnpm", ["-r", "--filter", "./packages/**", "list", "--depth", "-1", "--json"], { cwd: root })
  if (listed.status !== 0) throw new Error(`pnpm list failed: ${listed.stderr}`)
  return JSON.parse(listed.stdout)
    .filter((pkg) => pkg.private !== true)
    .map((pkg) => ({ name: pkg.name, dir: pkg.path, manifest: readJson(join(pkg.path, "package.json")) }))
}

/**
 * An n8n community node package: n8n loads the files its `n8n` field names, nobody imports it, its
 * README shows a workflow, not code, and it goes into n8n's nodes directory, not an application.
 * It is installed alone and checked with n8n-core's own package loader ({@link tryN8n}).
 */
const isN8nPackage = (pkg) => pkg.manifest.n8n !== undefined

/** The entry points a user can import: every export but internals and package.json. */
const entryPoints = (pkg) =>
  Object.keys(pkg.manifest.exports ?? { ".": null })
    .filter((key) => !key.includes("*") && key !== "./package.json")
    .map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`))

const pack = (packages, destination) => {
  mkdirSync(destination, { recursive: true })
  for (const pkg of packages) run("pnpm", ["pack", "--pack-destination", destination], { cwd: pkg.dir, stdio: ["ignore", "ignore", "inherit"] })
  const tarballs = readdirSync(destination).filter((file) => file.endsWith(".tgz")).map((file) => join(destination, file))
  if (tarballs.length !== packages.length) throw new Error(`expected ${packages.length} tarballs, found ${tarballs.length}`)
  return tarballs
}

/** What every tarball must hold besides its code. */
const checkTarballs = (tarballs) => {
  for (const tarball of tarballs) {
    const files = capture("tar", ["-tzf", tarball]).stdout.split("\n")
    for (const wanted of ["package/package.json", "package/README.md", "package/LICENSE"]) {
      if (!files.includes(wanted)) throw new Error(`${tarball} has no ${wanted.slice("package/".length)}`)
    }
    const manifest = JSON.parse(capture("tar", ["-xzOf", tarball, "package/package.json"]).stdout)
    if (manifest.engines?.node === undefined) throw new Error(`${manifest.name} declares no engines.node`)
    const deps = JSON.stringify({ ...manifest.dependencies, ...manifest.peerDependencies })
    if (deps.includes("workspace:")) throw new Error(`${manifest.name} still has a workspace: dependency`)
  }
  log(`${tarballs.length} tarballs, each with README.md, LICENSE and engines`)
}

/**
 * What the application installs besides Procura, at the workspace's versions: the peer
 * dependencies (effect; vitest and @effect/vitest for the testkit), zod (the connector's README
 * declares its schemas with it), and TypeScript to type-check against the installed
 * declarations with `skipLibCheck: false`, which PGlite's declarations need @types/emscripten for.
 */
const appDependencies = {
  ...Object.fromEntries(
    ["effect", "zod", "typescript", "@types/node", "vitest", "@effect/vitest"].map((name) => [name, readJson(join(root, "package.json")).devDependencies[name]])
  ),
  "@types/emscripten": "^1.41.1"
}

/** The first TypeScript sample of a package's README (each shows its imports). */
const readmeSample = (pkg) => {
  const readme = readFileSync(join(pkg.dir, "README.md"), "utf8")
  const match = /```ts\n([\s\S]*?)```/.exec(readme)
  if (match === null) throw new Error(`${pkg.name}: README.md has no TypeScript sample`)
  return match[1]
}

const sampleFile = (pkg) => `readme/${pkg.name.replace(/^@procura\//, "")}${pkg.name === "@procura/testkit" ? ".test" : ""}.ts`

const databaseUrl = (name) => {
  const base = new URL(process.env.PROCURA_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres")
  base.pathname = `/${name}`
  return base.toString()
}

const withDatabase = (name, use) => {
  const admin = process.env.PROCURA_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
  run("psql", [admin, "-q", "-c", `DROP DATABASE IF EXISTS ${name}`, "-c", `CREATE DATABASE ${name}`])
  try {
    use(databaseUrl(name))
  } finally {
    run("psql", [admin, "-q", "-c", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`])
  }
}

/** One empty application folder, installed with one package manager, put through its paces. */
const tryWith = (manager, packages, tarballs, base) => {
  const app = join(base, `app-${manager}`)
  mkdirSync(app, { recursive: true })
  writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: `procura-packed-${manager}`, private: true, type: "module" }, null, 2)}\n`)
  const thirdParty = Object.entries(appDependencies).map(([name, version]) => `${name}@${version}`)
  if (manager === "npm") {
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, ...thirdParty], { cwd: app })
  } else {
    // pnpm resolves the tarballs' dependencies on each other (e.g. "@procura/core": "0.1.0") from
    // the registry unless told otherwise: point them at the local tarballs, as a user trying
    // unpublished packages would.
    const overrides = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:${tarballFor(pkg, tarballs)}`]))
    writeFileSync(join(app, "package.json"), `${JSON.stringify({ name: `procura-packed-${manager}`, private: true, type: "module", pnpm: { overrides } }, null, 2)}\n`)
    writeFileSync(join(app, "pnpm-workspace.yaml"), "packages: []\nallowBuilds:\n  esbuild: true\n")
    run("pnpm", ["add", "--config.confirm-modules-purge=false", ...tarballs, ...thirdParty], { cwd: app })
  }

  const entries = packages.flatMap(entryPoints)
  for (const file of ["smoke.mjs", "flow.mjs"]) copyFileSync(join(here, file), join(app, file))
  writeFileSync(join(app, "entries.json"), JSON.stringify(entries))
  writeFileSync(join(app, "entries.ts"), `${entries.map((entry, i) => `import * as entry${i} from "${entry}"`).join("\n")}\nexport const all = [${entries.map((_, i) => `entry${i}`).join(", ")}]\n`)
  mkdirSync(join(app, "readme"), { recursive: true })
  for (const pkg of packages) writeFileSync(join(app, sampleFile(pkg)), readmeSample(pkg))
  writeFileSync(join(app, "tsconfig.json"), JSON.stringify({
    compilerOptions: { target: "es2023", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, skipLibCheck: false, types: ["node", "emscripten"] },
    files: ["entries.ts", ...packages.map(sampleFile)]
  }, null, 2))

  run(process.execPath, ["smoke.mjs"], { cwd: app })
  run(join(app, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: app })
  log(`${manager}: the installed declarations type-check (${entries.length} entry points)`)
  run(process.execPath, ["flow.mjs", "pglite"], { cwd: app })
  withDatabase(`procura_packed_${manager}_${process.pid}`, (url) =>
    run(process.execPath, ["flow.mjs", "postgres"], { cwd: app, env: { PROCURA_DATABASE_URL: url } }))
  const procura = join(app, "node_modules", ".bin", "procura")
  const help = capture(procura, ["--help"], { cwd: app })
  if (help.status !== 0 || !help.stdout.includes("procura demo")) throw new Error(`procura --help failed (${help.status}): ${help.stdout}${help.stderr}`)
  log(`${manager}: procura --help prints the usage`)
  const mcp = join(app, "node_modules", ".bin", "procura-mcp")
  const mcpHelp = capture(mcp, ["--help"], { cwd: app })
  if (mcpHelp.status !== 0 || !mcpHelp.stderr.includes("procura-mcp --as")) throw new Error(`procura-mcp --help failed (${mcpHelp.status}): ${mcpHelp.stdout}${mcpHelp.stderr}`)
  // An MCP client session with the installed server over stdio: the workspace's test, pointed at it.
  run("pnpm", ["exec", "vitest", "run", "packages/mcp/test/Stdio.test.ts"], { cwd: root, env: { PROCURA_MCP_BIN: mcp } })
  log(`${manager}: procura-mcp prints its usage, and serves an MCP client over stdio`)
  run(procura, ["demo", "--requests", "3"], { cwd: app })
  log(`${manager}: the installed CLI ran the demo`)
  for (const pkg of packages) {
    if (pkg.name === "@procura/testkit") run(join(app, "node_modules", ".bin", "vitest"), ["run", sampleFile(pkg)], { cwd: app })
    else run(process.execPath, [sampleFile(pkg)], { cwd: app })
  }
  log(`${manager}: every package's README sample type-checks and runs`)
  // The Node-RED nodes as a Node-RED user has them: the installed package in a real Node-RED's user
  // directory, its example flow run from the editor in headless Chromium.
  run(process.execPath, [join(root, "packages", "node-red", "scripts", "screenshot.mjs")], {
    cwd: app,
    env: { PROCURA_NODE_RED_PACKAGE: join(app, "node_modules", "@procura", "node-red"), PROCURA_SCREENSHOTS: join(app, "screenshots") }
  })
  log(`${manager}: the installed @procura/node-red ran its example flow in Node-RED's editor`)
}

/**
 * An n8n community package as n8n installs it: alone in a folder of its own (n8n's nodes
 * directory, `~/.n8n/nodes`), its peer n8n-workflow (and that one's zod 3) installed beside it,
 * never next to the Procura libraries. Then n8n-core's package loader loads the installed package
 * and runs a workflow through it (the workspace's test, pointed at the install).
 */
const tryN8n = (manager, pkg, tarball, base) => {
  const nodes = join(base, `n8n-nodes-${manager}`)
  mkdirSync(nodes, { recursive: true })
  writeFileSync(join(nodes, "package.json"), `${JSON.stringify({ name: `n8n-nodes-${manager}`, private: true }, null, 2)}\n`)
  if (manager === "npm") run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: nodes })
  else run("pnpm", ["add", "--config.confirm-modules-purge=false", tarball], { cwd: nodes })
  run("pnpm", ["exec", "vitest", "run", "packages/n8n-nodes-procura/test/Package.test.ts"], {
    cwd: root,
    env: { PROCURA_N8N_PACKAGE: join(nodes, "node_modules", pkg.name) }
  })
  log(`${manager}: ${pkg.name}, installed alone as n8n installs it, loaded in n8n-core and ran a workflow`)
}

const tarballFor = (pkg, tarballs) => {
  const stem = pkg.name.replace(/^@/, "").replace("/", "-")
  const found = tarballs.find((tarball) => tarball.endsWith(`/${stem}-${pkg.manifest.version}.tgz`))
  if (found === undefined) throw new Error(`no tarball for ${pkg.name}`)
  return found
}

const main = () => {
  const started = Date.now()
  const base = mkdtempSync(join(tmpdir(), "procura-packed-"))
  if (base.startsWith(root)) throw new Error("the install folder must be outside the repository")
  log(`working in ${base}`)
  try {
    const packages = publishable()
    log(`packing ${packages.length} packages: ${packages.map((pkg) => pkg.name).join(", ")}`)
    const tarballs = pack(packages, join(base, "tarballs"))
    checkTarballs(tarballs)
    const libraries = packages.filter((pkg) => !isN8nPackage(pkg))
    for (const manager of ["npm", "pnpm"]) {
      tryWith(manager, libraries, libraries.map((pkg) => tarballFor(pkg, tarballs)), base)
      for (const pkg of packages.filter(isN8nPackage)) tryN8n(manager, pkg, tarballFor(pkg, tarballs), base)
    }
    log(`all good in ${Math.round((Date.now() - started) / 1000)} s`)
  } finally {
    if (keep) log(`kept ${base}`)
    else rmSync(base, { recursive: true, force: true })
  }
}

try {
  main()
} catch (error) {
  log(`FAILED: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
