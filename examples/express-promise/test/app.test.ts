// The Express host over real HTTP on an ephemeral port, with Procura on in-memory PGlite.
import { createProcura, type Principal, type ProcuraClient } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import { once } from "node:events"
import { request } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createApp } from "../src/app.js"
import { ensureDemoCatalog } from "../src/demoCatalog.js"
import { people, principalOf } from "../src/identity.js"

let procura: ProcuraClient
let laptopId: string
let host: Host

interface Host {
  readonly url: string
  readonly close: () => Promise<void>
}

/** Serves the app on a free port, calling the given Procura. */
const serve = async (client: ProcuraClient): Promise<Host> => {
  const server = createApp(client, (request) => principalOf(request.get("authorization"))).listen(0, "127.0.0.1")
  await once(server, "listening")
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

const send = (method: string, path: string, token: string | undefined, body?: unknown, signal?: AbortSignal) =>
  fetch(`${host.url}${path}`, {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { "content-type": "application/json" }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    ...(signal && { signal })
  })

/** Answers with a status and a JSON body, as a plain object to assert on. */
const json = async (response: Response) => ({
  status: response.status,
  type: response.headers.get("content-type"),
  body: (await response.json()) as Record<string, any>
})

const person = (token: string): Principal => people.get(token)!

let serial = 0
const serials = (count: number) => Array.from({ length: count }, () => `SN-${process.pid}-${++serial}`)

/** A submitted purchase order for `quantity` laptops, made through Procura directly (test setup). */
const submittedOrder = async (quantity: number) => {
  const request = await procura.as(person("rae-token")).requisition.createRequest({ lines: [{ catalogItemId: laptopId, quantity }] })
  const buyer = procura.as(person("pat-token"))
  await buyer.requisition.approveRequest({ requestId: request.id })
  const [draft] = await buyer.purchasing.createFromRequest({ requestId: request.id })
  return buyer.purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })
}

beforeAll(async () => {
  procura = createProcura({ storage: SqlStorage.layerPglite() })
  laptopId = await ensureDemoCatalog(procura)
  host = await serve(procura)
})

afterAll(async () => {
  await host?.close()
  await procura?.dispose()
})

describe("examples/express-promise", () => {
  it("runs the flow through the routes: request, approve, order, submit, receive, assets in stock", async () => {
    const created = await json(await send("POST", "/requests", "rae-token", { lines: [{ catalogItemId: laptopId, quantity: 2 }] }))
    expect(created).toMatchObject({ status: 201, body: { requesterId: "rae", status: "pending_approval" } })
    const requestId: string = created.body["id"]

    const approved = await json(await send("POST", `/requests/${requestId}/approve`, "pat-token", { comment: "Within budget" }))
    expect(approved).toMatchObject({ status: 200, body: { id: requestId, status: "approved" } })

    const ordered = await json(await send("POST", `/requests/${requestId}/purchase-orders`, "pat-token"))
    expect(ordered.status).toBe(201)
    const [order] = ordered.body as unknown as ReadonlyArray<{ id: string; status: string }>
    expect(order!.status).toBe("draft")

    const submitted = await json(await send("POST", `/purchase-orders/${order!.id}/submit`, "pat-token"))
    expect(submitted).toMatchObject({ status: 200, body: { status: "submitted" } })

    const serialNumbers = serials(2)
    const received = await json(
      await send("POST", `/purchase-orders/${order!.id}/receive`, "sam-token", {
        locationId: "HQ",
        storageSpace: "IT store",
        lines: [{ lineNo: 1, serialNumbers }]
      })
    )
    expect(received).toMatchObject({ status: 201, body: { purchaseOrderId: order!.id, receivedBy: "sam", lines: [{ lineNo: 1, quantity: 2 }] } })

    const inStock = await json(await send("GET", "/assets?status=in_stock", "sam-token"))
    expect(inStock.status).toBe(200)
    const ours = (inStock.body["items"] as ReadonlyArray<Record<string, unknown>>).filter((asset) => asset["purchaseOrderId"] === order!.id)
    expect(ours.map((asset) => asset["serialNumber"]).toSorted()).toEqual(serialNumbers)
    expect(ours.every((asset) => asset["status"] === "in_stock" && asset["storageSpace"] === "IT store")).toBe(true)
  })

  it("answers 401 to unknown callers and 403, as problem details, to a principal lacking the permission", async () => {
    expect(await json(await send("GET", "/assets", undefined))).toMatchObject({
      status: 401,
      type: "application/problem+json; charset=utf-8",
      body: { type: "about:blank", status: 401, instance: "/assets" }
    })
    expect((await send("GET", "/assets", "no-such-token")).status).toBe(401)

    const order = await submittedOrder(1)
    // A requester may ask for laptops, not take delivery of them.
    const refused = await json(
      await send("POST", `/purchase-orders/${order.id}/receive`, "rae-token", { locationId: "HQ", storageSpace: "IT store", lines: [{ lineNo: 1 }] })
    )
    expect(refused).toMatchObject({
      status: 403,
      type: "application/problem+json; charset=utf-8",
      body: { code: "AccessDenied", status: 403, permission: "receiving.receive", userId: "rae", instance: `/purchase-orders/${order.id}/receive` }
    })
  })

  it("answers 400 naming every bad path, and 404 for a record the caller's tenant does not have", async () => {
    const invalid = await json(await send("POST", "/requests", "rae-token", { lines: [{ catalogItemId: "", quantity: 0 }] }))
    expect(invalid).toMatchObject({ status: 400, type: "application/problem+json; charset=utf-8", body: { code: "ValidationError" } })
    expect((invalid.body["issues"] as ReadonlyArray<{ path: ReadonlyArray<string | number> }>).map((issue) => issue.path)).toEqual([
      ["lines", 0, "catalogItemId"],
      ["lines", 0, "quantity"]
    ])

    const badStatus = await json(await send("GET", "/assets?status=lost", "sam-token"))
    expect(badStatus).toMatchObject({ status: 400, body: { code: "ValidationError", issues: [{ path: ["status"] }] } })

    // No body at all: Procura refuses the input as a whole (path []).
    expect(await json(await send("POST", "/requests", "rae-token"))).toMatchObject({
      status: 400,
      body: { code: "ValidationError", issues: [{ path: [] }] }
    })
    const malformed = await fetch(`${host.url}/requests`, {
      method: "POST",
      headers: { authorization: "Bearer rae-token", "content-type": "application/json" },
      body: "{\"lines\":"
    })
    expect(await json(malformed)).toMatchObject({ status: 400, body: { type: "about:blank", title: "Bad Request" } })

    expect(await json(await send("GET", "/requests/no-such-request", "rae-token"))).toMatchObject({ status: 404, body: { code: "NotFound" } })
  })

  it("aborts the Procura call of a client that goes away: it is refused and nothing is written", async () => {
    const order = await submittedOrder(1)
    // Procura as the host sees it, except that a receipt waits until the host's signal fires:
    // the client is then certainly gone when the real call runs, whatever the timing.
    let entered!: () => void
    const callEntered = new Promise<void>((resolve) => (entered = resolve))
    let settle!: (call: Promise<unknown>) => void
    const procuraCall = new Promise<unknown>((resolve) => (settle = resolve))
    const gated: ProcuraClient = {
      ...procura,
      receiving: {
        ...procura.receiving,
        receivePurchaseOrder: (input, options) => {
          entered()
          const call = (async () => {
            const signal = options?.signal
            if (signal === undefined) throw new Error("the host passed no signal to Procura")
            if (!signal.aborted) await once(signal, "abort")
            return procura.receiving.receivePurchaseOrder(input, options)
          })()
          settle(call)
          return call
        }
      }
    }
    const gatedHost = await serve(gated)
    try {
      // A connection of its own (no keep-alive pool), closed by the client while its call waits.
      const client = request(`${gatedHost.url}/purchase-orders/${order.id}/receive`, {
        method: "POST",
        headers: { authorization: "Bearer sam-token", "content-type": "application/json" },
        agent: false
      })
      client.on("error", () => {}) // the socket hang-up of our own abort
      client.end(JSON.stringify({ locationId: "HQ", storageSpace: "IT store", lines: [{ lineNo: 1, serialNumbers: serials(1) }] }))
      await callEntered
      client.destroy()

      // Procura got the host's signal, already aborted, and rejected with its reason.
      await expect(procuraCall).rejects.toMatchObject({ name: "AbortError" })
      const storekeeper = procura.as(person("sam-token"))
      expect((await storekeeper.receiving.listReceipts({ purchaseOrderId: order.id })).items).toEqual([])
      const assets = await storekeeper.assets.listAssets({ purchaseOrderId: order.id })
      expect(assets.items.map((asset) => asset.status)).toEqual(["on_order"])
    } finally {
      await gatedHost.close()
    }
  })
})
