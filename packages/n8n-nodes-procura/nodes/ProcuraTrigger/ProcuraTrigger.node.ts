/**
 * The Procura Trigger node: starts a workflow on Procura's domain events, in log order.
 *
 * @since 0.1.0
 */
import {
  type ICredentialTestFunctions,
  type ICredentialsDecrypted,
  type IDataObject,
  type INodeCredentialTestResult,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
  type IPollFunctions,
  NodeConnectionTypes,
  NodeOperationError
} from "n8n-workflow"
import { eventTypes, type Connection, connectionOf, storeOf, tenantOf, withHost, describeError, failureOf, testCredential } from "../../src/internal/runtime.js"

/** A page of `events.listEvents`. */
interface Page {
  readonly events: ReadonlyArray<IDataObject & { readonly position: number; readonly type: string }>
  readonly next: number
}

/**
 * The trigger's checkpoint, in the workflow's static data for this node: the position to read
 * after, and the store and tenant it belongs to (another credential starts afresh).
 */
interface Checkpoint {
  after?: number
  source?: string
}

/** Events read per `events.listEvents` call (its maximum). */
const pageSize = 1000

/**
 * Emits Procura's domain events: each poll reads the events appended after the checkpoint, of the
 * types chosen (all when none is), through the `events.listEvents` operation (so the credential's
 * principal needs `event.read`, and sees only its tenant's events), and emits them in log order as
 * one item each: `{ position, id, type, aggregateType, aggregateId, actorId, occurredAt, payload }`.
 *
 * The checkpoint is the position after the last event read, kept in the workflow's static data,
 * which n8n saves with the poll that moved it: after a restart the next poll continues from there,
 * so no event is skipped or emitted twice. An event's `id` identifies it for a workflow that wants
 * to check. On activation it starts after the events already stored ("New Events Only", the
 * default) or from the first ("All Stored Events"). "Fetch Test Event" reads without moving the
 * checkpoint.
 *
 * @since 0.1.0
 * @category nodes
 */
export class ProcuraTrigger implements INodeType {
  description: INodeTypeDescription = {
    displayName: "Procura Trigger",
    name: "procuraTrigger",
    icon: { light: "file:procura.svg", dark: "file:procura.dark.svg" },
    group: ["trigger"],
    version: 1,
    subtitle: "={{ ($parameter[\"eventTypes\"] ?? []).join(\", \") || \"all events\" }}",
    description: "Starts the workflow on Procura's domain events, in the order they happened",
    defaults: { name: "Procura Trigger" },
    polling: true,
    inputs: [],
    outputs: [NodeConnectionTypes.Main],
    credentials: [{ name: "procuraApi", required: true, testedBy: "procuraApiTest" }],
    properties: [
      {
        displayName: "Event Types",
        name: "eventTypes",
        type: "multiOptions",
        options: eventTypes().map(({ type, description }) => ({ name: type, value: type, description })),
        default: [],
        description: "The events that start the workflow; all when none is chosen"
      },
      {
        displayName: "Start From",
        name: "startFrom",
        type: "options",
        options: [
          { name: "All Stored Events", value: "beginning", description: "The first activation emits every event stored so far" },
          { name: "New Events Only", value: "now", description: "The first activation skips the events stored so far" }
        ],
        default: "now"
      },
      {
        displayName: "Limit",
        name: "limit",
        type: "number",
        typeOptions: { minValue: 1 },
        default: 50,
        description: "Max number of results to return"
      }
    ]
  }

  methods = {
    credentialTest: {
      /** Opens the credential's store as its principal, as the Procura node's test does. */
      async procuraApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
        return await testCredential(credential.data ?? {})
      }
    }
  }

  async poll(this: IPollFunctions): Promise<Array<Array<INodeExecutionData>> | null> {
    let connection: Connection
    try {
      connection = connectionOf(await this.getCredentials("procuraApi"))
    } catch (error) {
      throw new NodeOperationError(this.getNode(), describeError(error))
    }
    const types = this.getNodeParameter("eventTypes", []) as Array<string>
    const startFrom = this.getNodeParameter("startFrom", "now") as string
    const limit = Math.max(1, Math.floor(this.getNodeParameter("limit", 50) as number))
    const manual = this.getMode() === "manual"
    const checkpoint = this.getWorkflowStaticData("node") as Checkpoint
    const source = `${storeOf(connection)}#${tenantOf(connection.principal)}`
    const known = checkpoint.source === source ? checkpoint.after : undefined
    const started = Date.now()
    const budget = this.getPollBudgetMs() / 2

    /** One page of events after a position; a refusal (no `event.read`, say) as a node error. */
    const read = async (host: Parameters<Parameters<typeof withHost>[1]>[0], after: number, wanted: number): Promise<Page | NodeOperationError> => {
      try {
        return (await host.run("events.listEvents", {
          after,
          limit: Math.min(pageSize, wanted),
          ...(types.length === 0 ? {} : { types })
        })) as Page
      } catch (error) {
        const failure = failureOf(host, error)
        return new NodeOperationError(this.getNode(), `${failure.code}: ${failure.message}`)
      }
    }

    const follow = async (host: Parameters<Parameters<typeof withHost>[1]>[0]): Promise<Array<Array<INodeExecutionData>> | null | NodeOperationError> => {
      // First activation with "New Events Only": the checkpoint goes past what is stored, nothing is emitted.
      if (known === undefined && startFrom === "now" && !manual) {
        let after = 0
        while (true) {
          const page = await read(host, after, pageSize)
          if (page instanceof NodeOperationError) return page
          if (page.next === after) break
          after = page.next
        }
        checkpoint.after = after
        checkpoint.source = source
        return null
      }
      let after = known ?? 0
      const events: Array<INodeExecutionData> = []
      while (events.length < limit && Date.now() - started < budget) {
        const page = await read(host, after, limit - events.length)
        if (page instanceof NodeOperationError) return page
        for (const event of page.events) events.push({ json: { ...event } })
        if (page.next === after) break
        after = page.next
      }
      // A manual "Fetch Test Event" shows events without moving the checkpoint.
      if (!manual) {
        checkpoint.after = after
        checkpoint.source = source
      }
      return events.length === 0 ? null : [events]
    }

    let outcome: Awaited<ReturnType<typeof follow>>
    try {
      outcome = await withHost(connection, follow)
    } catch (error) {
      // Opening the host failed: a malformed principal, unknown roles, a missing or invalid configuration file.
      throw new NodeOperationError(this.getNode(), describeError(error))
    }
    if (outcome instanceof NodeOperationError) throw outcome
    return outcome
  }
}
