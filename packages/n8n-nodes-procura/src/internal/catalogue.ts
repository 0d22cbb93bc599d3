/**
 * The Procura node's resource and operation choices, projected from the operations catalogue when
 * the node loads: no operation is listed by hand. Private to the package.
 */
import { Host } from "@procura/cli"
import { type Operation, Procura } from "@procura/core"
import type { INodeProperties, INodePropertyOptions } from "n8n-workflow"

/**
 * The resource value choosing an operation by its id, for the operations of plugins a
 * configuration file enables (not known when the node loads).
 */
export const byIdResource = "operationById"

/** `submitPurchaseOrder` as `Submit Purchase Order`. */
export const titleOf = (name: string): string =>
  name
    .replace(/[-_]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/\b\w/g, (letter) => letter.toUpperCase())

/** An operation id's module and name: `purchasing.submitPurchaseOrder` is `purchasing`, `submitPurchaseOrder`. */
export const partsOf = (id: string): { readonly module: string; readonly name: string } => {
  const dot = id.indexOf(".")
  return { module: id.slice(0, dot), name: id.slice(dot + 1) }
}

const byName = (a: INodePropertyOptions, b: INodePropertyOptions) => a.name.localeCompare(b.name)

const sentence = (summary: string) => summary.replace(/\.$/, "")

/** The operations of a catalogue by module, each module's in name order. */
export const modulesOf = (catalogue: ReadonlyMap<string, Operation.Any>): ReadonlyMap<string, ReadonlyArray<Operation.Any>> => {
  const modules = new Map<string, Array<Operation.Any>>()
  for (const operation of catalogue.values()) {
    const { module } = partsOf(operation.id)
    modules.set(module, [...(modules.get(module) ?? []), operation])
  }
  return new Map([...modules].sort(([a], [b]) => a.localeCompare(b)))
}

/**
 * The node's `resource` parameter and one `operation` parameter per resource, from a catalogue;
 * the last resource is {@link byIdResource}.
 */
export const resourceProperties = (catalogue: ReadonlyMap<string, Operation.Any>): Array<INodeProperties> => {
  const modules = modulesOf(catalogue)
  const resources: Array<INodePropertyOptions> = [...modules.keys()].map((module) => ({
    name: titleOf(module),
    value: module,
    description: `Operations of Procura's ${module} module`
  }))
  const resource: INodeProperties = {
    displayName: "Resource",
    name: "resource",
    type: "options",
    noDataExpression: true,
    options: [
      ...resources.sort(byName),
      { name: "Operation by ID", value: byIdResource, description: "Any operation by its ID, such as one of a plugin the configuration file enables" }
    ],
    default: resources[0]?.value ?? byIdResource
  }
  const operations = [...modules].map(([module, ofModule]): INodeProperties => {
    const options = ofModule
      .map((operation): INodePropertyOptions => ({
        name: titleOf(partsOf(operation.id).name),
        value: operation.id,
        description: `${operation.summary} Needs ${operation.permission}.`,
        action: sentence(operation.summary)
      }))
      .sort(byName)
    return {
      displayName: "Operation",
      name: "operation",
      type: "options",
      noDataExpression: true,
      displayOptions: { show: { resource: [module] } },
      options,
      default: options[0]?.value ?? ""
    }
  })
  return [resource, ...operations]
}

/** The operations the node lists: the core's (the plugins' need their configuration to exist). */
export const catalogue: ReadonlyMap<string, Operation.Any> = Procura.catalogue

/**
 * The event types the trigger offers: the core's and those of the plugins this package can enable,
 * in name order.
 */
export const eventTypes = (): ReadonlyArray<{ readonly type: string; readonly description: string }> => {
  const definitions = [...Procura.events, ...Host.installedPlugins.flatMap((plugin) => plugin.events ?? [])]
  const byType = new Map(definitions.map((definition) => [definition.type, definition.description] as const))
  return [...byType].map(([type, description]) => ({ type, description })).sort((a, b) => a.type.localeCompare(b.type))
}
