// n8n's community-node lint, what `n8n-node lint` runs: n8n's default configuration in the variant
// for packages that are not eligible for n8n Cloud (this one reads files and opens databases), with
// one rule off: n8n's starter wants the MIT license, Procura is Apache-2.0.
import { configWithoutCloudSupport } from "@n8n/node-cli/eslint"

export default [
  ...configWithoutCloudSupport,
  { ignores: ["test/**", "tsup.config.ts"] },
  { files: ["package.json"], rules: { "n8n-nodes-base/community-package-json-license-not-default": "off" } }
]
