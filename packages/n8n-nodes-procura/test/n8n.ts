/**
 * Runs workflows through n8n's own execution code, in process: a real `Workflow` (n8n-workflow)
 * executed by `WorkflowExecute` (n8n-core), with a credentials helper that answers the test's
 * credentials, and polls through n8n-core's `PollContext`. No n8n server, no mocks of n8n.
 */
import { Credentials, ExecutionLifecycleHooks, PackageDirectoryLoader, PollContext, TriggersAndPollers, WorkflowExecute } from "n8n-core"
import {
  type ICredentialDataDecryptedObject,
  type IConnections,
  type IDataObject,
  type IExecuteFunctions,
  type IHttpRequestOptions,
  type INode,
  type INodeCredentialsDetails,
  type INodeExecutionData,
  type INodeType,
  type INodeTypes,
  type IRun,
  type IWorkflowBase,
  type IWorkflowExecuteAdditionalData,
  createRunExecutionData,
  ICredentialsHelper,
  type IPollFunctions,
  NodeConnectionTypes,
  Workflow
} from "n8n-workflow"
import { Procura } from "../nodes/Procura/Procura.node.js"
import { ProcuraTrigger } from "../nodes/ProcuraTrigger/ProcuraTrigger.node.js"

/** The node types' names in a workflow, as n8n names a community package's nodes. */
export const types = {
  start: "n8n-nodes-procura-test.start",
  procura: "n8n-nodes-procura.procura",
  trigger: "n8n-nodes-procura.procuraTrigger"
} as const

/** The start node: passes on the items the execution starts with. */
class Start implements INodeType {
  description: INodeType["description"] = {
    displayName: "Start",
    name: "start",
    group: ["input"],
    version: 1,
    description: "The items the test starts with",
    defaults: { name: "Start" },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    properties: []
  }

  async execute(this: IExecuteFunctions): Promise<Array<Array<INodeExecutionData>>> {
    return [this.getInputData()]
  }
}

/**
 * The node types a workflow runs: the start node, and the Procura nodes, from source unless
 * given (see {@link builtNodeTypes}).
 */
export const nodeTypesOf = (procura: { readonly procura: INodeType; readonly trigger: INodeType } = { procura: new Procura(), trigger: new ProcuraTrigger() }): INodeTypes => {
  const byName: { readonly [name: string]: INodeType } = {
    [types.start]: new Start(),
    [types.procura]: procura.procura,
    [types.trigger]: procura.trigger
  }
  const get = (name: string): INodeType => {
    const type = byName[name]
    if (type === undefined) throw new Error(`Unknown node type ${name}`)
    return type
  }
  return { getByName: get, getByNameAndVersion: get, getKnownTypes: () => ({}) }
}

/**
 * The Procura nodes as n8n loads an installed community package: n8n-core's
 * `PackageDirectoryLoader` reads the package.json's `n8n` field and requires the built files.
 */
export const builtNodeTypes = async (packageDir: string): Promise<INodeTypes> => {
  const loader = new PackageDirectoryLoader(packageDir)
  await loader.loadAll()
  return nodeTypesOf({ procura: loader.getNode("procura").type as INodeType, trigger: loader.getNode("procuraTrigger").type as INodeType })
}

/** Answers each node's credential by its id, from the test's credentials; n8n-core asks it. */
class TestCredentialsHelper extends ICredentialsHelper {
  private readonly byId: { readonly [id: string]: ICredentialDataDecryptedObject }
  constructor(byId: { readonly [id: string]: ICredentialDataDecryptedObject }) {
    super()
    this.byId = byId
  }
  getParentTypes(): Array<string> {
    return []
  }
  isCredentialUsableByNode(): boolean {
    return true
  }
  async authenticate(_credentials: ICredentialDataDecryptedObject, _type: string, request: IHttpRequestOptions): Promise<IHttpRequestOptions> {
    return request
  }
  async preAuthentication(): Promise<undefined> {
    return undefined
  }
  async runPreAuthentication(): Promise<undefined> {
    return undefined
  }
  async getCredentials(details: INodeCredentialsDetails, type: string): Promise<Credentials> {
    return new Credentials({ id: details.id, name: details.name }, type, "")
  }
  async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, details: INodeCredentialsDetails): Promise<ICredentialDataDecryptedObject> {
    const data = details.id === null ? undefined : this.byId[details.id]
    if (data === undefined) throw new Error(`No credential ${details.id}`)
    return data
  }
  async updateCredentials(): Promise<void> {}
  async updateCredentialsOauthTokenData(): Promise<void> {}
  getCredentialsProperties(): [] {
    return []
  }
}

const workflowData = (workflow: Workflow): IWorkflowBase => ({
  id: workflow.id,
  name: workflow.name ?? "test",
  active: false,
  isArchived: false,
  activeVersionId: null,
  nodes: Object.values(workflow.nodes),
  connections: workflow.connectionsBySourceNode,
  createdAt: new Date(0),
  updatedAt: new Date(0)
})

const additionalData = (
  credentials: { readonly [id: string]: ICredentialDataDecryptedObject },
  hooks: ExecutionLifecycleHooks | undefined
): IWorkflowExecuteAdditionalData =>
  ({
    credentialsHelper: new TestCredentialsHelper(credentials),
    hooks,
    executeWorkflow: async () => {
      throw new Error("sub-workflows are not used here")
    },
    getRunExecutionData: async () => undefined,
    getRuntimeCredential: async () => undefined,
    currentNodeExecutionIndex: 0,
    restApiUrl: "http://localhost:5678/rest",
    instanceBaseUrl: "http://localhost:5678/",
    formBaseUrl: "http://localhost:5678/form",
    formWaitingBaseUrl: "http://localhost:5678/form-waiting",
    formTestBaseUrl: "http://localhost:5678/form-test",
    webhookBaseUrl: "http://localhost:5678/webhook",
    webhookWaitingBaseUrl: "http://localhost:5678/webhook-waiting",
    webhookTestBaseUrl: "http://localhost:5678/webhook-test",
    mcpBaseUrl: "http://localhost:5678/mcp",
    mcpTestBaseUrl: "http://localhost:5678/mcp-test",
    variables: {},
    logAiEvent: () => {},
    startRunnerTask: async () => {
      throw new Error("task runners are not used here")
    }
  }) as unknown as IWorkflowExecuteAdditionalData

/** A node of a test workflow. */
export const node = (name: string, type: string, parameters: IDataObject, extra: Partial<INode> = {}): INode => ({
  id: name.toLowerCase().replace(/\W+/g, "-"),
  name,
  type,
  typeVersion: 1,
  position: [0, 0],
  parameters: parameters as INode["parameters"],
  ...extra
})

const sourceNodeTypes = nodeTypesOf()

/** Connects the nodes in a chain, each to the next. */
export const chain = (nodes: ReadonlyArray<INode>): IConnections =>
  Object.fromEntries(nodes.slice(0, -1).map((from, i) => [from.name, { main: [[{ node: nodes[i + 1]!.name, type: NodeConnectionTypes.Main, index: 0 }]] }]))

/** A workflow of n8n-workflow over the test's node types. */
export const workflow = (nodes: ReadonlyArray<INode>, staticData?: IDataObject, nodeTypes: INodeTypes = sourceNodeTypes): Workflow =>
  new Workflow({ id: "procura-test", name: "Procura test", nodes: [...nodes], connections: chain(nodes), active: false, nodeTypes, ...(staticData === undefined ? {} : { staticData }) })

/**
 * Executes a workflow with n8n-core's `WorkflowExecute` from its first node (or the node named
 * `startAt`), which receives `items`; resolves with the run (`IRun`) as n8n's lifecycle hooks
 * report it.
 */
export const execute = async (
  run: Workflow,
  credentials: { readonly [id: string]: ICredentialDataDecryptedObject },
  items: ReadonlyArray<IDataObject> = [{}],
  startAt?: string
): Promise<IRun> => {
  const hooks = new ExecutionLifecycleHooks("manual", "1", workflowData(run))
  let finished: IRun | undefined
  hooks.addHandler("workflowExecuteAfter", (result) => {
    finished = result
  })
  const start = startAt === undefined ? run.getStartNode() ?? Object.values(run.nodes)[0]! : run.getNode(startAt)!
  const execution = new WorkflowExecute(
    additionalData(credentials, hooks),
    "manual",
    createRunExecutionData({
      executionData: { nodeExecutionStack: [{ node: start, data: { main: [items.map((json) => ({ json }))] }, source: null }] }
    })
  )
  const result = await execution.processRunExecutionData(run)
  return finished ?? result
}

/** The items a node output in a run (its first run, first output). */
export const output = (run: IRun, nodeName: string): ReadonlyArray<IDataObject> =>
  (run.data.resultData.runData[nodeName]?.[0]?.data?.["main"]?.[0] ?? []).map((item) => item.json)

/**
 * Polls a trigger node as an active workflow's poll does (mode `trigger`), through n8n-core's
 * `PollContext` and `TriggersAndPollers.runPollFunction`; gives what it emitted, or null.
 */
export const poll = async (
  run: Workflow,
  nodeName: string,
  credentials: { readonly [id: string]: ICredentialDataDecryptedObject },
  mode: "trigger" | "manual" = "trigger"
): Promise<Array<Array<INodeExecutionData>> | null> => {
  const pollNode = run.getNode(nodeName)!
  const context = new PollContext(run, pollNode, additionalData(credentials, undefined), mode, mode === "manual" ? "manual" : "activate")
  // A PollContext is n8n's IPollFunctions; only this repository's exactOptionalPropertyTypes tells
  // its getWorkflow().name (string | undefined) from the interface's optional name.
  return await new TriggersAndPollers().runPollFunction(run, pollNode, context as unknown as IPollFunctions)
}
