#!/usr/bin/env node
/**
 * The `procura` executable.
 *
 * @since 0.1.0
 */
import { main } from "./Cli.js"

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
