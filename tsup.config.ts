import { cpSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/testing.ts", "src/postgres.ts", "src/prometheus.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  tsconfig: "tsconfig.build.json",
  // import.meta.url (which locates the SQL migrations) also works in the CommonJS build.
  shims: true,
  // Bundled, so that the CommonJS build does not require an ESM-only package.
  noExternal: ["p-limit", "yocto-queue"],
  external: ["pg", "prom-client"],
  async onSuccess() {
    cpSync("src/adapters/postgres/migrations", "dist/migrations", { recursive: true });
  },
});
