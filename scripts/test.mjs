// Runs the test suite once per host time zone (the results must not depend on it) and ends with
// one plain summary line, `N passed, N failed, N skipped`, over both runs.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const zones = ["UTC", "America/New_York"];
const extraArguments = process.argv.slice(2);
const vitest = join("node_modules", "vitest", "vitest.mjs");
let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;

// The CLI tests run the built binary, so build first (about ten seconds).
console.log("── building dist/ for the CLI tests ──");
const build = spawnSync(process.execPath, [join("node_modules", "tsup", "dist", "cli-default.js")], { stdio: ["ignore", "ignore", "inherit"] });
if (build.status !== 0) {
  console.error("the build failed");
  exitCode = 1;
}

for (const zone of zones) {
  const report = `.vitest-report-${zone.replace("/", "_")}.json`;
  rmSync(report, { force: true });
  console.log(`\n── vitest with TZ=${zone} ──`);
  const run = spawnSync(process.execPath, [vitest, "run", "--reporter=default", "--reporter=json", `--outputFile=${report}`, ...extraArguments], {
    stdio: "inherit",
    env: { ...process.env, TZ: zone },
  });
  if (run.status !== 0) exitCode = run.status ?? 1;
  try {
    const result = JSON.parse(readFileSync(report, "utf8"));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    skipped += result.numPendingTests + result.numTodoTests;
  } catch {
    console.error(`no test report from the TZ=${zone} run`);
    exitCode = exitCode || 1;
  }
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode);
