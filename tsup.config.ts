import { cpSync } from "node:fs";
import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts", "src/testing.ts", "src/postgres.ts", "src/prometheus.ts", "src/opentelemetry.ts"],
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
    external: ["pg", "prom-client", "@opentelemetry/api"],
    async onSuccess() {
      cpSync("src/adapters/postgres/migrations", "dist/migrations", { recursive: true });
    },
  },
  {
    // The command-line tool: one ESM file with its argument parser, table and chart libraries
    // bundled in, so that the library itself depends on nothing they need.
    entry: { cli: "src/cli/bin.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
    tsconfig: "tsconfig.build.json",
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    noExternal: ["cac", "cli-table3", "picocolors", "asciichart", "p-limit", "yocto-queue"],
    external: ["pg", "prom-client", "@opentelemetry/api"],
  },
]);
