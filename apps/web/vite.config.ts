// Two apps, one toolchain: `vite build --mode app` and `--mode portal` each build one entry
// (app/index.html, portal/index.html) into dist/<mode>, served by meshkit at /<mode>/.
import react from "@vitejs/plugin-react";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

const APPS = ["app", "portal"] as const;
const here = fileURLToPath(new URL(".", import.meta.url));
// Where `meshkit serve` listens during `npm run dev:app` / `dev:portal`.
const api = process.env.MESHKIT_API ?? "http://127.0.0.1:8000";

/**
 * The schema the app was built against, as `schema.graphql` next to index.html: the fallback
 * when the server does not answer introspection (the default outside `meshkit serve --dev`).
 * The Makefile passes `meshkit graphql sdl` in $MESHKIT_SCHEMA_SDL.
 */
function builtSchema(): Plugin {
  return {
    name: "meshkit-built-schema",
    apply: "build",
    generateBundle() {
      const path = process.env.MESHKIT_SCHEMA_SDL;
      if (!path) return;
      this.emitFile({ type: "asset", fileName: "schema.graphql", source: readFileSync(path, "utf-8") });
    },
  };
}

export default defineConfig(({ mode }) => {
  const name = APPS.find((a) => a === mode) ?? "app";
  return {
    root: `${here}${name}`,
    base: `/${name}/`,
    publicDir: false,
    plugins: name === "app" ? [react(), builtSchema()] : [react()],
    build: {
      outDir: `${here}dist/${name}`,
      emptyOutDir: true,
      sourcemap: true,
      chunkSizeWarningLimit: 900,
    },
    server: {
      // /content: file downloads (src/lib/download.ts) go to the API like /graphql.
      // /import: the Excel import wizard's upload, marked workbook and commit (src/lib/importWizard.ts).
      proxy: { "/graphql": api, "/auth": api, "/health": api, "/content": api, "/import": api },
    },
    test: {
      root: here,
      include: ["tests/**/*.test.ts"],
      environment: "node",
    },
  };
});
