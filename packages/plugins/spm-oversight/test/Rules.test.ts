// The pure rules of oversight decomposition, without storage: which line gets which template and
// project, which site location gets a site project, which project of a line's chain a domain
// order or order task joins, reuse keys, field mappings, state mapping and auto-closure.
import { assert, describe, it } from "@effect/vitest"
import { Plugin } from "@procura/core"
import { type Config, type Orders, type Projects, spmOversight } from "@procura/plugin-spm-oversight"
import { Effect } from "effect"
import { decideAll } from "../src/internal/determination.js"
import * as Rules from "../src/internal/rules.js"
import { example, withProperties } from "./fixtures.js"

const configOf = (input: Config.ConfigInput): Config.Config => Effect.runSync(Plugin.validateConfig(spmOversight, input))
const config = configOf(example())

const now = "2026-01-01T00:00:00.000Z"

const order: Orders.CustomerOrder = {
  id: "o-1",
  version: 0,
  number: "ORD0001",
  accountId: "acme",
  accountName: "Acme",
  state: "new",
  projectAtOrderLevel: false,
  lineCount: 2,
  revision: 1,
  createdBy: "fay.agent",
  createdAt: now,
  updatedAt: now
}

const line = (over: Partial<Orders.OrderLine>): Orders.OrderLine => ({
  id: "l-1",
  version: 0,
  orderId: order.id,
  lineNo: 1,
  productOfferingId: "po-sdwan",
  productOfferingName: "SD-WAN",
  category: "SD-WAN",
  siteLocationId: "site-1",
  siteLocationName: "Berlin office",
  quantity: 1,
  action: "add",
  characteristics: { bandwidth: "1G" },
  state: "new",
  createdAt: now,
  updatedAt: now,
  ...over
})

const project = (id: string, templateId: string): Projects.Project => ({
  id,
  version: 0,
  kind: "line",
  name: id,
  templateId,
  programId: "pg-1",
  topId: id,
  accountId: order.accountId,
  orderId: order.id,
  state: "pending",
  fields: {},
  createdAt: now,
  updatedAt: now
})

const decide = <Out>(table: Parameters<typeof decideAll<Out>>[0], input: object) =>
  Effect.runSync(decideAll(table, [{ id: "x", what: "x", input }]))[0]!

describe("oversight rules", () => {
  it("the order-line table gives each line its project template, or says why not", () => {
    const sdwan = decide(config.orderLineTable, Rules.lineFacts(order, line({})))
    assert.deepStrictEqual(sdwan.result, { template: "sdwan-site" })
    assert.strictEqual(sdwan.reason, "order line oversight rule sdwan")
    const smallLan = decide(config.orderLineTable, Rules.lineFacts(order, line({ category: "LAN", quantity: 2 })))
    assert.isUndefined(smallLan.result)
    assert.match(smallLan.reason, /^no row of order line oversight matched/)
    const lan = decide(config.orderLineTable, Rules.lineFacts(order, line({ category: "LAN", quantity: 5 })))
    assert.deepStrictEqual(lan.result, { template: "managed-lan" })
  })

  it("the site table picks the site or the parent location; reuse decides the keys", () => {
    const campus = line({ category: "LAN", parentLocationId: "campus-1", parentLocationName: "Campus" })
    const decided = decide(config.siteTable!, Rules.siteFacts(order, campus))
    assert.deepStrictEqual(decided.result, { template: "site-rollout", location: "parent" })
    assert.deepStrictEqual(Rules.siteOf(campus, "parent"), { id: "campus-1", name: "Campus" })
    assert.deepStrictEqual(Rules.siteOf(line({}), "parent"), { id: "site-1", name: "Berlin office" }, "no parent: the site itself")
    assert.deepStrictEqual(Rules.programOf(config, order), { reuseKey: "account:acme", name: "Acme" })
    assert.strictEqual(Rules.siteReuseKey(config, order, "site-1"), "site:acme:site-1")
    const once = configOf(withProperties({ reuse: false }))
    assert.deepStrictEqual(Rules.programOf(once, order), { reuseKey: "order:o-1", name: "Acme ORD0001" })
    assert.strictEqual(Rules.siteReuseKey(once, order, "site-1"), "site:o-1:site-1")
  })

  it("an order gets an order-level project when asked or from the configured line count", () => {
    assert.isFalse(Rules.wantsOrderProject(config, order))
    assert.isTrue(Rules.wantsOrderProject(config, { ...order, projectAtOrderLevel: true }))
    assert.isTrue(Rules.wantsOrderProject(config, { ...order, lineCount: 50 }))
  })

  it("domain orders and order tasks get a template task in the chain's project of that template", () => {
    const domainOrder: Orders.DomainOrder = {
      id: "d-1",
      version: 0,
      orderId: order.id,
      orderLineId: "l-1",
      lineNo: 1,
      domain: "service",
      name: "SD-WAN service",
      state: "pending",
      attributes: {},
      oversight: { outcome: "not_overseen", reason: "" },
      createdAt: now,
      updatedAt: now
    }
    const task: Orders.OrderTask = {
      id: "t-1",
      version: 0,
      orderId: order.id,
      orderLineId: "l-1",
      domainOrderId: "d-1",
      name: "Survey the site",
      requestType: "survey",
      state: "pending",
      attributes: {},
      oversight: { outcome: "not_overseen", reason: "" },
      createdAt: now,
      updatedAt: now
    }
    const domainDecision = decide(config.domainOrderTable!, Rules.taskFacts("domain_order", domainOrder, domainOrder, line({}), "sdwan-site"))
    assert.deepStrictEqual(domainDecision.result, { template: "sdwan-site", task: "install" })
    const taskDecision = decide(config.orderTaskTable!, Rules.taskFacts("order_task", task, domainOrder, line({}), "sdwan-site"))
    assert.deepStrictEqual(taskDecision.result, { template: "site-rollout", task: "survey" })
    const chain = [project("line", "sdwan-site"), project("site", "site-rollout")]
    assert.strictEqual(Rules.projectInChain(chain, "site-rollout")?.id, "site", "the site project, made from the survey's template")
    assert.strictEqual(Rules.projectInChain(chain, "enterprise-delivery")?.id, "line", "no order-level project: the line's project")
    assert.strictEqual(Rules.taskName({ name: "Configure device", planned: false }, "CPE 1"), "Configure device: CPE 1")
    assert.strictEqual(Rules.taskName({ name: "Installation", planned: true }, "CPE 1"), "Installation")
  })

  it("field mappings copy line, characteristic and attribute values onto names and fields", () => {
    const mapped = Rules.applyMappings(project("p", "sdwan-site"), [
      ...config.fieldMappings.orderLineToProject,
      { from: "productOfferingName", to: "short_description" }
    ], Rules.lineView(order, line({ quantity: 3 })))
    assert.strictEqual(mapped.name, "SD-WAN")
    assert.deepStrictEqual(mapped.fields, { u_bandwidth: "1G", u_customer: "Acme", u_quantity: 3 })
  })

  it("project tasks follow their order tasks through the state mapping; auto-closure closes them", () => {
    assert.strictEqual(Rules.projectTaskState(config, "pending", ["in_progress"], []), "work_in_progress")
    assert.strictEqual(Rules.projectTaskState(config, "work_in_progress", ["completed", "completed"], []), "closed_complete")
    assert.strictEqual(Rules.projectTaskState(config, "work_in_progress", ["cancelled"], ["closed_complete"]), "closed_complete")
    assert.strictEqual(Rules.projectTaskState(config, "work_in_progress", ["completed", "open"], []), "work_in_progress")
    const manual = configOf(withProperties({ autoClose: false }))
    assert.strictEqual(Rules.projectTaskState(manual, "work_in_progress", ["completed"], []), "work_in_progress", "without auto-closure it stays open")
    assert.strictEqual(Rules.projectTaskState(config, "pending", [], []), "pending", "nothing to follow: unchanged")
  })

  it("closing stamps closedAt and ends reuse; transitions are checked; orders follow their lines", () => {
    const closed = Rules.withState({ ...project("p", "sdwan-site"), reuseKey: "site:acme:site-1" }, "closed_complete", "later")
    assert.strictEqual(closed.closedAt, "later")
    assert.isUndefined(closed.reuseKey)
    assert.isUndefined(Rules.withState(closed, "work_in_progress", "again").closedAt)
    assert.isUndefined(Rules.transitionProblem("pending", "in_progress", "Task"))
    assert.match(Rules.transitionProblem("completed", "open", "Task")!, /completed is final/)
    assert.strictEqual(Rules.orderStateOf([line({ state: "completed" }), line({ state: "cancelled" })], "in_progress"), "completed")
    assert.strictEqual(Rules.orderStateOf([line({ state: "cancelled" })], "in_progress"), "cancelled")
    assert.strictEqual(Rules.orderStateOf([line({ state: "approved" }), line({ state: "new" })], "new"), "in_progress")
  })
})
