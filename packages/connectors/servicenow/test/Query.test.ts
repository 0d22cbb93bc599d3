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

  it("writes values as the platform stores them: UTC dates, booleans, escaped carets", () => {
    const query = Query.make<PoField>()
      .where("sys_updated_on", ">=", new Date("2026-03-01T09:05:07.000+02:00"))
      .and("short_description", "LIKE", "a^b")
      .and("due_by", "BETWEEN", [new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 31, 23, 59, 59))])
      .and("vendor", "ISEMPTY")
      .and("status", "NOT IN", ["canceled"])
    assert.strictEqual(
      Query.encode(query),
      "sys_updated_on>=2026-03-01 07:05:07^short_descriptionLIKEa^^b^due_byBETWEEN2026-01-01 00:00:00@2026-01-31 23:59:59^vendorISEMPTY^statusNOT INcanceled"
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
