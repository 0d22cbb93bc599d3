import { Query } from "@procura/connector-servicenow"
import { assert, describe, it } from "@effect/vitest"

type PoField = "status" | "total_cost" | "vendor" | "sys_updated_on" | "short_description" | "active" | "due_by"

describe("Query", () => {
  it("encodes AND, OR, new-query groups and ordering", () => {
    const query = Query.make<PoField>()
      .where("status", "IN", ["requested", "ordered"])
      .and("total_cost", ">", 1000)
      .or("vendor.name", "STARTSWITH", "Acme")
      .newQuery()
      .where("active", "=", false)
      .orderBy("sys_updated_on")
      .orderByDesc("total_cost")
    assert.strictEqual(
      Query.encode(query),
      "statusINrequested,ordered^total_cost>1000^ORvendor.nameSTARTSWITHAcme^NQactive=false^ORDERBYsys_updated_on^ORDERBYDESCtotal_cost"
    )
    assert.deepStrictEqual(query.issues, [])
    assert.strictEqual(String(query), Query.encode(query))
  })

  it("writes values as the platform stores them: UTC dates, booleans", () => {
    const query = Query.make<PoField>()
      .where("sys_updated_on", ">=", new Date("2026-03-01T09:05:07.000+02:00"))
      .and("due_by", "BETWEEN", [new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 31, 23, 59, 59))])
      .and("vendor", "ISEMPTY")
      .and("status", "NOT IN", ["canceled"])
    assert.strictEqual(
      Query.encode(query),
      "sys_updated_on>=2026-03-01 07:05:07^due_byBETWEEN2026-01-01 00:00:00@2026-01-31 23:59:59^vendorISEMPTY^statusNOT INcanceled"
    )
  })

  it("collects problems instead of sending a query the instance would partly ignore", () => {
    const query = Query.make()
      .or("status", "=", "x")
      .and("Bad Field", "=", "x")
      .and("status", "IN", ["a,b"])
      .and("total_cost", ">", Number.NaN)
      .and("status", "IN", [])
    assert.strictEqual(query.issues.length, 5)
    assert.match(query.issues.join("\n"), /no condition before it/)
    assert.match(query.issues.join("\n"), /not a field name/)
    assert.match(query.issues.join("\n"), /cannot contain a comma/)
    assert.match(query.issues.join("\n"), /not a finite number/)
    assert.match(query.issues.join("\n"), /at least one value/)
    assert.deepStrictEqual(Query.issues("status=x"), [])
  })

  it("refuses a caret in a value: encoded queries cannot escape it, and x^NQ... would add an OR branch", () => {
    const split = Query.make<PoField>().where("short_description", "LIKE", "a^b")
    assert.deepStrictEqual(split.issues, [
      `short_description: a value cannot contain "^" ("a^b"): encoded queries have no escape for it`
    ])
    const injected = Query.make<PoField>().where("status", "=", "x^NQactive=true")
    assert.match(injected.issues.join("\n"), /^status: a value cannot contain "\^" \("x\^NQactive=true"\)/)
    assert.lengthOf(Query.make<PoField>().where("status", "IN", ["ordered", "x^NQactive=true"]).issues, 1)
    assert.lengthOf(Query.make<PoField>().where("due_by", "BETWEEN", ["2026-01-01", "x^ORactive=true"]).issues, 1)
    assert.lengthOf(Query.make<PoField>().where("status", "!=", "a,b ^").or("vendor", "=", "^").issues, 2)
    assert.deepStrictEqual(Query.make<PoField>().where("short_description", "LIKE", "a|b,c@d").issues, [])
  })

  it("plans keyset paging: sys_id, or one sort field with sys_id as the tie-breaker", () => {
    const bySysId = Query.keyset("active=true^NQstatus=ordered")
    assert.notTypeOf(bySysId, "string")
    if (typeof bySysId === "string") return
    assert.strictEqual(Query.keysetQuery(bySysId, undefined), "active=true^NQstatus=ordered^ORDERBYsys_id")
    assert.strictEqual(
      Query.keysetQuery(bySysId, { sysId: "abc" }),
      "active=true^sys_id>abc^NQstatus=ordered^sys_id>abc^ORDERBYsys_id"
    )
    const byUpdated = Query.keyset(Query.make<PoField>().where("active", "=", true).orderBy("sys_updated_on"))
    if (typeof byUpdated === "string") return assert.fail(byUpdated)
    // (field > v) OR (field = v AND sys_id > id): ^OR binds tighter than ^, so two ^NQ groups.
    assert.strictEqual(
      Query.keysetQuery(byUpdated, { value: "2026-01-01 00:00:00", sysId: "abc" }),
      "active=true^sys_updated_on>2026-01-01 00:00:00^NQactive=true^sys_updated_on=2026-01-01 00:00:00^sys_id>abc^ORDERBYsys_updated_on^ORDERBYsys_id"
    )
    const descending = Query.keyset("ORDERBYDESCpriority")
    if (typeof descending === "string") return assert.fail(descending)
    assert.strictEqual(Query.keysetQuery(descending, { value: "", sysId: "abc" }), "priorityISEMPTY^sys_id>abc^ORDERBYDESCpriority^ORDERBYsys_id")
    const ascending = Query.keyset("ORDERBYpriority")
    if (typeof ascending === "string") return assert.fail(ascending)
    assert.strictEqual(
      Query.keysetQuery(ascending, { value: "", sysId: "abc" }),
      "priorityISNOTEMPTY^NQpriorityISEMPTY^sys_id>abc^ORDERBYpriority^ORDERBYsys_id"
    )
    const sysIdDescending = Query.keyset("ORDERBYDESCsys_id^ORDERBYnumber")
    if (typeof sysIdDescending === "string") return assert.fail(sysIdDescending)
    assert.strictEqual(Query.keysetQuery(sysIdDescending, { sysId: "abc" }), "sys_id<abc^ORDERBYDESCsys_id")
    assert.match(String(Query.keyset("ORDERBYpriority^ORDERBYnumber")), /one sort field plus sys_id/)
    assert.match(String(Query.keyset("ORDERBYvendor.name")), /dot-walked field "vendor.name"/)
  })

  it("adds sys_id as the last sort key unless the query already sorts by it", () => {
    assert.strictEqual(Query.withTieBreaker(undefined), "ORDERBYsys_id")
    assert.strictEqual(Query.withTieBreaker("active=true"), "active=true^ORDERBYsys_id")
    assert.strictEqual(
      Query.withTieBreaker(Query.make().where("active", "=", true).orderBy("sys_updated_on")),
      "active=true^ORDERBYsys_updated_on^ORDERBYsys_id"
    )
    assert.strictEqual(Query.withTieBreaker("active=true^ORDERBYDESCsys_id"), "active=true^ORDERBYDESCsys_id")
    assert.strictEqual(Query.withTieBreaker(Query.make().orderBy("sys_id")), "ORDERBYsys_id")
  })

  it("starts a query from a single condition", () => {
    assert.strictEqual(Query.encode(Query.where("number", "=", "PO0001")), "number=PO0001")
  })
})
