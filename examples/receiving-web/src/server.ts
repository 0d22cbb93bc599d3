/**
 * The receiving page, served beside the hono-api example's API: the page at `/receiving/`, the
 * operations at `/operations/<id>` on the same origin (no CORS, one token).
 */
import { fileURLToPath } from "node:url"
import { serveStatic } from "@hono/node-server/serve-static"
import { type ApiOptions, createApi } from "@procura/example-hono-api"
import { Hono } from "hono"

/** Where `vite build` put the page. */
export const pageDir = fileURLToPath(new URL("../dist", import.meta.url))

/** The API of the hono-api example, with the receiving page at `/receiving/`. */
export const createReceivingApp = (options: ApiOptions): Hono => {
  const app = new Hono()
  app.get("/", (c) => c.redirect("/receiving/"))
  app.get("/receiving", (c) => c.redirect("/receiving/"))
  app.use("/receiving/*", serveStatic({ root: pageDir, rewriteRequestPath: (path) => path.replace(/^\/receiving/, "") }))
  app.route("/", createApi(options))
  return app
}
