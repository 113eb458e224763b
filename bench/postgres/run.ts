/**
 * The PostgreSQL store's benchmark (issue 9): `npm run bench:pg` seeds a throwaway database per
 * size on the server scripts/with-postgres.sh starts and prints every figure with the targets.
 *
 * Options:
 *   --quick             one small seeded size (200 presets), fewer runs: a smoke run for CI
 *   --sizes=1000,10000  preset counts (default 1000,10000)
 *   --claim-pool=N      pg.Pool max of the concurrent claimers (default 10)
 *   --explain           print EXPLAIN (ANALYZE, BUFFERS) of each snapshot statement
 *   --markdown          rewrite the bench:pg section of docs/benchmarks.md (and nothing else)
 *   --save-baseline     write this run to bench/postgres/baseline.json (the "before" figures)
 */

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { machine } from "../report.js";
import { measureSize, type SizeResult } from "./measure-size.js";
import { renderSection, renderText, withSection, type PgReport } from "./report.js";

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((argument) => argument.startsWith(prefix))?.slice(prefix.length);
}

const serverUrl = process.env["DATABASE_URL"];
if (serverUrl === undefined || serverUrl === "") {
  console.error("DATABASE_URL is not set: run `npm run bench:pg` (scripts/with-postgres.sh starts a throwaway server)");
  process.exit(1);
}
const quick = process.argv.includes("--quick");
const sizes = (option("sizes") ?? (quick ? "200" : "1000,10000")).split(",").map(Number);
if (sizes.some((size) => !Number.isInteger(size) || size < 100)) {
  console.error(`--sizes must list whole numbers ≥ 100, got ${option("sizes") ?? ""}`);
  process.exit(2);
}
const claimPool = Number(option("claim-pool") ?? "10");
const here = dirname(fileURLToPath(import.meta.url));
const log = (line: string): void => console.log(line);

const info = machine();
const started = performance.now();
const versionClient = new pg.Client({ connectionString: serverUrl });
await versionClient.connect();
const postgres = (await versionClient.query<{ server_version: string }>("SHOW server_version")).rows[0]?.server_version ?? "unknown";
await versionClient.end();

const results: SizeResult[] = [];
for (const presets of sizes) {
  results.push(
    await measureSize({
      presets,
      serverUrl,
      runs: quick ? 3 : 9,
      loneClaims: quick ? 50 : 200,
      claimers: 32,
      concurrentClaims: quick ? 320 : 640,
      rounds: quick ? 1 : 3,
      claimPool,
      explain: process.argv.includes("--explain"),
      log,
    }),
  );
}
info.loadAtEnd = loadavg()[0] ?? 0;
const shownArguments = process.argv.slice(2).filter((argument) => argument !== "--markdown" && argument !== "--save-baseline");
const command = `npm run bench:pg${shownArguments.length > 0 ? ` -- ${shownArguments.join(" ")}` : ""}`;
const report: PgReport = { machine: info, postgres, command, durationS: (performance.now() - started) / 1000, sizes: results };
console.log(`\n${renderText(report)}`);

const baselinePath = join(here, "baseline.json");
if (process.argv.includes("--save-baseline")) {
  writeFileSync(baselinePath, `${JSON.stringify(report)}\n`);
  console.log(`wrote ${baselinePath}`);
}
if (process.argv.includes("--markdown")) {
  const before = existsSync(baselinePath) ? (JSON.parse(readFileSync(baselinePath, "utf8")) as PgReport) : null;
  const path = join(here, "..", "..", "docs", "benchmarks.md");
  writeFileSync(path, withSection(readFileSync(path, "utf8"), renderSection(report, before)));
  console.log(`wrote the bench:pg section of ${path}`);
}
