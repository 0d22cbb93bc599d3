#!/usr/bin/env node
/**
 * The `procura-mcp` executable.
 *
 * @since 0.1.0
 */
import { main } from "./Command.js"

// On stdio, stdout carries the protocol: anything logged through console goes to stderr instead.
console.log = console.error
console.info = console.error
console.debug = console.error

main(process.argv.slice(2)).then(
  (code) => {
    // An HTTP keep-alive or a storage handle must not keep a finished server alive.
    process.exit(code)
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exit(1)
  }
)
