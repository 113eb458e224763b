/**
 * The benchmark suite: `npm run bench` prints the figures and a PASS/MISS line per target;
 * `npm run bench -- --markdown` also rewrites docs/benchmarks.md from the run.
 *
 * Options:
 *   --markdown          write docs/benchmarks.md
 *   --only=a,b          run only some sections: plan, reconciler, desired
 *   --sizes=1000,10000  planCycle sizes (default 1000,10000,100000)
 *   --naive-stride=N    time the naive planner at 10k on every N-th preset and scale by N (default 20; 1: all, about a minute per call here)
 *   --heap-limit=MB     also plan 100k presets once in a child process with --max-old-space-size=MB (about 20 s)
 */

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchmarkDesired, type DesiredResult } from "./desired.js";
import { generateSnapshot } from "./data.js";
import { benchmarkSize, type PlanResult } from "./plan.js";
import { planStages, type StageResult } from "./stages.js";
import { benchmarkReconciler, type ReconcilerResult } from "./reconciler.js";
import { keepPostgresSection } from "./postgres/report.js";
import { evaluateTargets, machine, renderMarkdown, renderText, type Report } from "./report.js";

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((argument) => argument.startsWith(prefix))?.slice(prefix.length);
}

const markdown = process.argv.includes("--markdown");
const only = option("only")?.split(",") ?? ["plan", "reconciler", "desired"];
const sizes = (option("sizes") ?? "1000,10000,100000").split(",").map(Number);
const naiveStride = Number(option("naive-stride") ?? "20");
const log = (line: string): void => console.log(line);

if ((globalThis as { gc?: unknown }).gc === undefined) {
  console.error("Run with node --expose-gc (npm run bench does): heap readings need a full GC.");
  process.exit(1);
}

const machineInfo = machine();
const started = performance.now();
const plan: PlanResult[] = [];
let stages: StageResult[] = [];
let reconciler: ReconcilerResult[] = [];
let desired: DesiredResult[] = [];

if (only.includes("plan")) {
  for (const presets of sizes) {
    log(`planCycle, ${presets.toLocaleString("en-US")} presets`);
    plan.push(...(await benchmarkSize(presets, { naive: presets <= 10_000, naiveStride, log })));
    // Right after its size, before a larger one leaves a heap ten times as big behind.
    if (presets === 10_000) {
      log("planCycle stage by stage, 10,000 presets");
      stages = await planStages(generateSnapshot(10_000).snapshot);
      for (const result of stages) log(`  ${result.stage.padEnd(32)} ${result.medianMs.toFixed(1).padStart(7)} ms`);
    }
  }
}
if (only.includes("reconciler")) {
  log("Reconciler.reconcileOnce(), in-memory world, maxDbConnections 10");
  reconciler = await benchmarkReconciler(log);
}
if (only.includes("desired")) {
  log("desiredInstances per call");
  desired = await benchmarkDesired(log);
}

const heapLimitMb = option("heap-limit") === undefined ? null : Number(option("heap-limit"));
let heapLimit: Report["heapLimit"] = null;
if (heapLimitMb !== null) {
  log(`planCycle of 100,000 presets in a child process with --max-old-space-size=${heapLimitMb}`);
  const script = join(dirname(fileURLToPath(import.meta.url)), "heap-limit.ts");
  const child = spawnSync(process.execPath, [`--max-old-space-size=${heapLimitMb}`, "--import", "tsx", script, "100000"], { encoding: "utf8" });
  const line = child.stdout.trim().split("\n").at(-1) ?? "";
  const ok = child.status === 0 && line.startsWith("{");
  const detail = ok ? `completed: ${line}` : `ran out of heap (${/FATAL ERROR: [^\n]*/.exec(child.stderr)?.[0] ?? `exit ${String(child.status ?? child.signal)}`})`;
  heapLimit = { limitMb: heapLimitMb, ok, detail };
  log(`  ${detail}`);
}
machineInfo.loadAtEnd = loadavg()[0] ?? 0;
const report: Report = { machine: machineInfo, plan, stages, reconciler, desired, targets: [], durationS: (performance.now() - started) / 1000, naiveStride, heapLimit };
const withTargets: Report = { ...report, targets: evaluateTargets(report) };
console.log(`\n${renderText(withTargets)}`);

if (markdown) {
  const path = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "benchmarks.md");
  // The section of `npm run bench:pg` is not this run's to rewrite: it is kept as it is.
  writeFileSync(path, keepPostgresSection(readFileSync(path, "utf8"), renderMarkdown(withTargets)));
  console.log(`wrote ${path}`);
}
