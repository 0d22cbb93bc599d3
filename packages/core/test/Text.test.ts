import { assert, describe, it } from "@effect/vitest"
import { Text } from "@procura/core"
import { readFileSync } from "node:fs"

const doc = readFileSync(new URL("../../../docs/limits.md", import.meta.url), "utf8")

describe("Text", () => {
  it("docs/limits.md gives every limit of Text.limits, and no other", () => {
    const rows = [...doc.matchAll(/^\| `(\w+)` \| [^|]+ \| ([\d,]+) \|/gm)].map((m) => [m[1]!, Number(m[2]!.replaceAll(",", ""))] as const)
    assert.deepStrictEqual(Object.fromEntries(rows), { ...Text.limits })
  })

  it("refuses text over its limit, naming the limit and the length given", () => {
    const cases: ReadonlyArray<readonly [Text.Kind, { safeParse: (u: unknown) => { success: boolean; error?: { issues: ReadonlyArray<{ message: string }> } } }]> = [
      ["id", Text.id],
      ["code", Text.code],
      ["name", Text.name],
      ["reference", Text.reference],
      ["serialNumber", Text.serialNumber],
      ["assetTag", Text.assetTag],
      ["scanCode", Text.scanCode],
      ["location", Text.location],
      ["comment", Text.comment],
      ["note", Text.note],
      ["licenseKey", Text.licenseKey],
      ["cursor", Text.cursor]
    ]
    for (const [kind, schema] of cases) {
      const max = Text.limits[kind]
      assert.isTrue(schema.safeParse("x".repeat(max)).success, `${kind}: ${max} characters are fine`)
      const refused = schema.safeParse("x".repeat(max + 1))
      assert.isFalse(refused.success, `${kind}: ${max + 1} characters are too many`)
      assert.strictEqual(refused.error!.issues[0]!.message, `at most ${max} characters; this has ${max + 1}`)
    }
    assert.isFalse(Text.email.safeParse(`${"a".repeat(64)}@${"b".repeat(190)}.com`).success)
  })

  it("refuses text no adapter can store: a NUL character, an unpaired surrogate", () => {
    for (const schema of [Text.name, Text.comment, Text.id, Text.cursor, Text.serialNumber]) {
      const nul = schema.safeParse("ab\u0000cd")
      assert.isFalse(nul.success)
      assert.strictEqual(nul.error!.issues[0]!.message, "contains a NUL character (at 2), which cannot be stored")
      const broken = schema.safeParse("ab\uD800cd")
      assert.isFalse(broken.success)
      assert.include(broken.error!.issues[0]!.message, "unpaired UTF-16 surrogate")
    }
    assert.isTrue(Text.name.safeParse("Café 日本語 🚀").success)
  })

  it("trims free text and refuses it blank; takes ids as given", () => {
    assert.strictEqual(Text.name.parse("  Laptop 14 inch "), "Laptop 14 inch")
    assert.isFalse(Text.comment.safeParse("   ").success)
    assert.strictEqual(Text.id.parse(" a "), " a ")
    assert.isFalse(Text.id.safeParse("").success)
  })
})
