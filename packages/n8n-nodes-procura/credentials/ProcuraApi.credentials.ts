/**
 * The `procuraApi` credential: where Procura keeps its data (embedded PGlite in a directory, or
 * PostgreSQL), who the nodes run as, and the plugin configuration file.
 *
 * @since 0.1.0
 */
import type { ICredentialType, INodeProperties } from "n8n-workflow"

/**
 * Procura's credential. The principal is fixed here, never taken from a workflow: every operation
 * the Procura node runs, and every event the trigger reads, is checked against its roles and kept
 * to its tenant, and the events it appends carry its user id. The Procura node tests it (opens the
 * store and checks the principal's roles) from the credential dialog.
 *
 * @since 0.1.0
 * @category credentials
 */
export class ProcuraApi implements ICredentialType {
  name = "procuraApi"

  displayName = "Procura API"

  icon = { light: "file:procura.svg", dark: "file:procura.dark.svg" } as const

  documentationUrl = "https://github.com/procura-dev/procura/blob/main/docs/n8n.md"

  properties: Array<INodeProperties> = [
    {
      displayName: "Storage",
      name: "storage",
      type: "options",
      options: [
        {
          name: "Embedded (PGlite)",
          value: "embedded",
          description: "Procura's embedded PostgreSQL, persisted in a directory on the n8n host (one n8n process only)"
        },
        {
          name: "PostgreSQL",
          value: "postgres",
          description: "A PostgreSQL database, for n8n in queue mode or several instances"
        }
      ],
      default: "embedded"
    },
    {
      displayName: "Data Directory",
      name: "dataDir",
      type: "string",
      default: "",
      required: true,
      placeholder: "/home/node/.n8n/procura",
      description: "Where embedded storage keeps its files; created when missing",
      displayOptions: { show: { storage: ["embedded"] } }
    },
    {
      displayName: "Database URL",
      name: "databaseUrl",
      type: "string",
      typeOptions: { password: true },
      default: "",
      required: true,
      placeholder: "postgres://procura:secret@db:5432/procura",
      description: "The PostgreSQL connection URL, with its user and password",
      displayOptions: { show: { storage: ["postgres"] } }
    },
    {
      displayName: "Principal",
      name: "principal",
      type: "string",
      default: "",
      required: true,
      placeholder: "pat@acme:procurement_manager",
      description: "Who every operation runs as: USER@TENANT:ROLE[,ROLE]. The roles decide what the nodes may do."
    },
    {
      displayName: "Plugin Configuration File",
      name: "configFile",
      type: "string",
      default: "",
      placeholder: "/home/node/.n8n/procura.config.yaml",
      description: "Optional JSON or YAML file enabling Procura plugins and connectors, as the procura CLI reads it"
    }
  ]
}
