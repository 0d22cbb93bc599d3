/**
 * The CLI's configuration file: JSON or YAML with Procura's `plugins` (see `Plugin.ConfigFile`)
 * and `modules`, the host's own plugin modules. A module is a file named by its path relative to
 * the configuration file; every plugin it exports (default or named) is installed beside the
 * CLI's own, so `plugins` enables it like them:
 *
 * ```yaml
 * modules: [./ledger.ts]           # exports a Plugin.make({ id: "ledger", ... })
 * plugins:
 *   ledger: { tables: 3 }
 * ```
 *
 * Private to the CLI: `Host.load` is its public face (which turns its errors into `Host`'s).
 */
import { Errors, Plugin } from "@procura/core"
import { Cause, Effect, Exit } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { dirname, isAbsolute, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { parse as parseYaml } from "yaml"

type AnyPlugin = Plugin.Plugin<string, any>

/**
 * The configuration file does not exist: a usage error (exit 2), unlike an invalid one (exit 1).
 */
export class MissingConfigFile extends Error {}

/** Reads a JSON or YAML configuration file (by extension; YAML otherwise, which also reads JSON). */
const read = (path: string): unknown => {
  if (!existsSync(path)) throw new MissingConfigFile(`No configuration file ${path}`)
  const text = readFileSync(path, "utf8")
  return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text)
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const topLevelKeys = ["plugins", "modules"]

/** What makes a plugin, and how to say what an export that looks like one lacks. */
const pluginParts: ReadonlyArray<{ readonly key: string; readonly expected: string; readonly test: (value: unknown) => boolean }> = [
  { key: "id", expected: "a string", test: (value) => typeof value === "string" && value !== "" },
  { key: "version", expected: "a string", test: (value) => typeof value === "string" },
  { key: "description", expected: "a string", test: (value) => typeof value === "string" },
  { key: "config", expected: "a zod schema", test: (value) => isRecord(value) && "_zod" in value },
  { key: "contribute", expected: "a function", test: (value) => typeof value === "function" }
]

/** The parts of a plugin a value lacks; empty for a plugin. */
const lacks = (value: Record<string, unknown>): ReadonlyArray<string> =>
  pluginParts.filter((part) => !part.test(value[part.key])).map((part) => `${part.key} (${part.expected})`)

/** An export that is meant as a plugin: an object with a `contribute`, or with an `id` and a `config`. */
const looksLikePlugin = (value: unknown): value is Record<string, unknown> =>
  isRecord(value) && ("contribute" in value || ("id" in value && "config" in value))

const exportName = (name: string) => (name === "default" ? "the default export" : `export ${name}`)

/** The plugins a module's namespace exports, or why it is not a plugin module. */
const pluginsOf = (namespace: Record<string, unknown>, file: string): { readonly plugins: ReadonlyArray<AnyPlugin> } | { readonly problem: string } => {
  const plugins = new Set<AnyPlugin>()
  for (const [name, value] of Object.entries(namespace)) {
    if (!looksLikePlugin(value)) continue
    const missing = lacks(value)
    if (missing.length > 0) return { problem: `${exportName(name)} of ${file} is not a plugin: it lacks ${missing.join(", ")}` }
    plugins.add(value as unknown as AnyPlugin)
  }
  if (plugins.size > 0) return { plugins: [...plugins] }
  return {
    problem: `${file} exports no plugin (its exports: ${Object.keys(namespace).join(", ") || "none"}); ` +
      "export the value of Plugin.make({ id, version, description, config, contribute }), as default or named export"
  }
}

/** Whether a module specifier is a file path (relative, absolute or a file: URL) rather than a package name. */
const isPath = (specifier: string) =>
  specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("file:") || isAbsolute(specifier)

/**
 * Loads the modules a configuration names, relative to `base`: the plugins they export (each once)
 * and an issue per module that cannot be used, at path `modules.<n>`.
 */
const loadModules = async (modules: unknown, base: string, installed: ReadonlyArray<AnyPlugin>) => {
  const issues: Array<Errors.Issue> = []
  const plugins: Array<{ readonly plugin: AnyPlugin; readonly file: string }> = []
  if (modules === undefined) return { plugins, issues }
  if (!Array.isArray(modules) || modules.some((specifier) => typeof specifier !== "string" || specifier === "")) {
    issues.push({ path: ["modules"], message: "expected a list of file paths, relative to the configuration file" })
    return { plugins, issues }
  }
  for (const [index, specifier] of (modules as ReadonlyArray<string>).entries()) {
    const path = ["modules", index]
    if (!isPath(specifier)) {
      issues.push({
        path,
        message: `"${specifier}" is not a file path: name a module by its path relative to the configuration file ("./plugins.js"); ` +
          `to use a plugin published as a package, re-export it from such a file (export { myPlugin } from "${specifier}")`
      })
      continue
    }
    const file = specifier.startsWith("file:") ? fileURLToPath(specifier) : resolve(base, specifier)
    if (!existsSync(file)) {
      issues.push({ path, message: `no file ${file} ("${specifier}", relative to ${base})` })
      continue
    }
    let namespace: Record<string, unknown>
    try {
      namespace = await import(pathToFileURL(file).href)
    } catch (error) {
      issues.push({ path, message: `${file} could not be loaded: ${error instanceof Error ? error.message : String(error)}` })
      continue
    }
    const found = pluginsOf(namespace, file)
    if ("problem" in found) {
      issues.push({ path, message: found.problem })
      continue
    }
    for (const plugin of found.plugins) {
      if (plugins.some((loaded) => loaded.plugin === plugin)) continue // the same plugin re-exported
      const sameId = plugins.find((loaded) => loaded.plugin.id === plugin.id)
      const holder = installed.some((p) => p.id === plugin.id) ? "an installed plugin" : sameId && `the plugin of ${sameId.file}`
      if (holder !== undefined) {
        issues.push({ path, message: `plugin "${plugin.id}" of ${file} has the id of ${holder}; plugin ids must be unique` })
        continue
      }
      plugins.push({ plugin, file })
    }
  }
  return { plugins, issues }
}

const invalid = (issues: ReadonlyArray<Errors.Issue>) =>
  new Plugin.PluginError({
    reason: "InvalidConfig",
    pluginId: "(file)",
    issues,
    message: `The configuration file is invalid: ${Errors.formatIssues(issues)}`
  })

/**
 * What a configuration (a file's path, or its parsed content) enables: its modules loaded
 * (relative to the file; to the working directory for parsed content), then its `plugins` checked
 * against the installed plugins and the modules' (`Plugin.fromConfigFile`). `available` is every
 * plugin it could enable. Throws `MissingConfigFile` for a path that does not exist, and a
 * `PluginError` naming every problem of an invalid file: unknown top-level keys (with the nearest
 * one), each module that cannot be loaded or exports no plugin (`modules.<n>`), then, when the
 * modules loaded, unknown plugin ids and invalid plugin configurations.
 */
export const load = async (
  installed: ReadonlyArray<AnyPlugin>,
  config: string | object
): Promise<{ readonly enabled: ReadonlyArray<Plugin.Enabled>; readonly available: ReadonlyArray<AnyPlugin> }> => {
  const file = typeof config === "string" ? read(config) : config
  if (!isRecord(file)) {
    // Not an object: Procura's own check says what was expected.
    return { enabled: await enable(installed, file, []), available: installed }
  }
  const issues: Array<Errors.Issue> = Object.keys(file)
    .filter((key) => !topLevelKeys.includes(key))
    .map((key) => {
      const suggestion = Errors.didYouMean(key, topLevelKeys)
      return { path: [key], message: `unknown key; ${suggestion ?? `expected one of ${topLevelKeys.join(", ")}`}` }
    })
  const base = typeof config === "string" ? dirname(resolve(config)) : process.cwd()
  const modules = await loadModules(file["modules"], base, installed)
  issues.push(...modules.issues)
  // A module that did not load may be the one providing a plugin `plugins` names: those are checked once the modules load.
  if (modules.issues.length > 0) throw invalid(issues)
  const available = [...installed, ...modules.plugins.map((loaded) => loaded.plugin)]
  return { enabled: await enable(available, "plugins" in file ? { plugins: file["plugins"] } : {}, issues), available }
}

/** `Plugin.fromConfigFile`, failing with its problems after `earlier` ones. */
const enable = async (available: ReadonlyArray<AnyPlugin>, file: unknown, earlier: ReadonlyArray<Errors.Issue>) => {
  const exit = await Effect.runPromiseExit(Plugin.fromConfigFile(available, file))
  if (Exit.isSuccess(exit)) {
    if (earlier.length > 0) throw invalid(earlier)
    return exit.value
  }
  const error = Cause.squash(exit.cause)
  if (earlier.length === 0 || !(error instanceof Plugin.PluginError)) throw error
  throw invalid([...earlier, ...(error.issues.length > 0 ? error.issues : [{ path: ["plugins", error.pluginId], message: error.message }])])
}
