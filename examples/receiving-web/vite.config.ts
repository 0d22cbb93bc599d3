import { defineConfig } from "vite"

// The page is built into dist/ and served by the API host under /receiving/.
export default defineConfig({
  root: "web",
  base: "/receiving/",
  build: { outDir: "../dist", emptyOutDir: true, target: "es2022" }
})
