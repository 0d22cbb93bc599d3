// The parts of node-red-node-test-helper (which ships no types) these tests use.
declare module "node-red-node-test-helper" {
  import type { EventEmitter } from "node:events"

  /** A supertest request, as far as these tests use it. */
  interface Test extends Promise<{ readonly status: number; readonly body: unknown }> {
    query(query: Readonly<Record<string, string>>): Test
    expect(status: number): Test
  }
  interface TestNode extends EventEmitter {
    receive(msg: object): void
  }
  interface Helper {
    init(runtimePath: string, userSettings?: object): void
    startServer(): Promise<void>
    stopServer(): Promise<void>
    load(nodes: unknown, flow: ReadonlyArray<object>, credentials?: object): Promise<void>
    unload(): Promise<void>
    getNode(id: string): TestNode
    request(): { get(path: string): Test }
  }
  const helper: Helper
  export default helper
}
