/**
 * The Procura node: runs any operation of Procura's catalogue on each input item.
 *
 * @since 0.1.0
 */
import {
  type ICredentialTestFunctions,
  type ICredentialsDecrypted,
  type IExecuteFunctions,
  type INodeCredentialTestResult,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
  NodeConnectionTypes,
  NodeOperationError
} from "n8n-workflow"
import { byIdResource, catalogue, resourceProperties, type Connection, connectionOf, withHost, describeError, failureOf, inputOf, itemsOf, messageOf, testCredential } from "../../src/internal/runtime.js"

/**
 * Runs Procura operations. The resource is an operation's module (`purchasing`), the operation
 * one of that module's (`purchasing.submitPurchaseOrder`), both listed from the operations
 * catalogue when the node loads; "Operation by ID" runs any operation of the catalogue the
 * credential's configuration makes, plugins' included. The input is the operation's input as
 * JSON, resolved per item, so expressions such as `{{ { requestId: $json.id } }}` work.
 *
 * Each input item runs the operation once, as the credential's principal; its result becomes the
 * output (one item per element when it is a list). A refused run fails the node with its code
 * (`AccessDenied: ...`), or, with "Continue On Fail", outputs an item
 * `{ error, _tag, code, status, details }` and goes on with the next.
 *
 * @since 0.1.0
 * @category nodes
 */
export class Procura implements INodeType {
  description: INodeTypeDescription = {
    displayName: "Procura",
    name: "procura",
    icon: { light: "file:procura.svg", dark: "file:procura.dark.svg" },
    group: ["transform"],
    version: 1,
    subtitle: "={{ $parameter[\"resource\"] === \"operationById\" ? $parameter[\"operationId\"] : $parameter[\"operation\"] }}",
    description: "Run an operation of Procura, the procure-to-asset SDK",
    defaults: { name: "Procura" },
    usableAsTool: true,
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    credentials: [{ name: "procuraApi", required: true, testedBy: "procuraApiTest" }],
    properties: [
      ...resourceProperties(catalogue),
      {
        displayName: "Operation ID",
        name: "operationId",
        type: "string",
        default: "",
        required: true,
        placeholder: "approvals.decide",
        description: "The ID of any operation of the catalogue, such as one of a plugin the credential's configuration file enables",
        displayOptions: { show: { resource: [byIdResource] } }
      },
      {
        displayName: "Input",
        name: "input",
        type: "json",
        default: "{}",
        description: "The operation's input as JSON. The procura CLI prints its JSON Schema: procura op OPERATION_ID --schema."
      },
      {
        displayName: "Options",
        name: "options",
        type: "collection",
        placeholder: "Add option",
        default: {},
        options: [
          {
            displayName: "Idempotency Key",
            name: "idempotencyKey",
            type: "string",
            default: "",
            description: "A key made up per item, such as an expression naming it: the same key and input within 24 hours answers the first run's result and writes nothing"
          }
        ]
      }
    ]
  }

  methods = {
    credentialTest: {
      /** Opens the credential's store as its principal: a wrong URL, directory, principal or configuration fails here. */
      async procuraApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
        return await testCredential(credential.data ?? {})
      }
    }
  }

  async execute(this: IExecuteFunctions): Promise<Array<Array<INodeExecutionData>>> {
    let connection: Connection
    try {
      connection = connectionOf(await this.getCredentials("procuraApi"))
    } catch (error) {
      throw new NodeOperationError(this.getNode(), describeError(error))
    }
    // Every item's parameters first (n8n resolves expressions per item), then the runs.
    const calls = this.getInputData().map((_, item) => {
      const resource = this.getNodeParameter("resource", item) as string
      const operationId = (resource === byIdResource ? this.getNodeParameter("operationId", item) : this.getNodeParameter("operation", item)) as string
      const { idempotencyKey } = this.getNodeParameter("options", item, {}) as { readonly idempotencyKey?: string }
      try {
        return { item, operationId, input: inputOf(this.getNodeParameter("input", item)), idempotencyKey }
      } catch (error) {
        throw new NodeOperationError(this.getNode(), `The input of ${operationId} is not valid JSON: ${messageOf(error)}`, { itemIndex: item })
      }
    })
    const signal = this.getExecutionCancelSignal()
    /** Runs the calls in order; a refusal is an item with "continue on fail", else it ends the runs. */
    const runAll = async (host: Parameters<Parameters<typeof withHost>[1]>[0]): Promise<Array<INodeExecutionData> | NodeOperationError> => {
      const output: Array<INodeExecutionData> = []
      for (const { item, operationId, input, idempotencyKey } of calls) {
        try {
          const result = await host.run(operationId, input, {
            ...(signal === undefined ? {} : { signal }),
            ...(idempotencyKey === undefined || idempotencyKey === "" ? {} : { idempotencyKey })
          })
          output.push(...itemsOf(result, item))
        } catch (error) {
          const failure = failureOf(host, error)
          if (!this.continueOnFail()) {
            return new NodeOperationError(this.getNode(), `${failure.code}: ${failure.message}`, {
              itemIndex: item,
              description: `${operationId} was refused (${failure._tag}, status ${failure.status}) for ${host.principal.userId}@${host.principal.tenantId}. ${JSON.stringify(failure.details)}`
            })
          }
          output.push({
            json: { error: failure.message, _tag: failure._tag, code: failure.code, status: failure.status, details: failure.details },
            pairedItem: { item }
          })
        }
      }
      return output
    }
    let outcome: Array<INodeExecutionData> | NodeOperationError
    try {
      outcome = await withHost(connection, runAll)
    } catch (error) {
      // Opening the host failed: a malformed principal, unknown roles, a missing or invalid configuration file.
      const issues = (error as { readonly issues?: unknown }).issues
      throw new NodeOperationError(this.getNode(), describeError(error), issues === undefined ? {} : { description: JSON.stringify(issues) })
    }
    if (outcome instanceof NodeOperationError) throw outcome
    return [outcome]
  }
}
