/**
 * The `procuraApi` credential's test, which n8n runs from the credential dialog. Private to the
 * package.
 */
import type { INodeCredentialTestResult } from "n8n-workflow"
import { connectionOf } from "./connection.js"
import { withHost } from "./hosts.js"
import { describeError } from "./run.js"

/**
 * Opens a credential's store as its principal and waits until it is ready: a malformed principal,
 * unknown roles, a missing or invalid configuration file, or a store that cannot be reached fails,
 * with the error's tag and message.
 */
export const testCredential = async (fields: { readonly [name: string]: unknown }): Promise<INodeCredentialTestResult> => {
  try {
    // Holding the host means it opened, the principal was checked and storage is ready.
    const where = await withHost(connectionOf(fields), async (host) => host.storageDescription)
    return { status: "OK", message: `Connected to ${where}` }
  } catch (error) {
    return { status: "Error", message: describeError(error) }
  }
}
