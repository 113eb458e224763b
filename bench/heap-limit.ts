/**
 * Whether one planCycle of 100k presets / 1M prebuilds completes inside a capped heap. Run by
 * run.ts in a child process: `node --max-old-space-size=400 --import tsx bench/heap-limit.ts [presets]`.
 * Prints one JSON line; exits non-zero (V8 aborts) when the heap runs out.
 */

import { planCycle } from "../src/index.js";
import { clock, generateSnapshot } from "./data.js";

const presets = Number(process.argv[2] ?? "100000");
const { snapshot } = generateSnapshot(presets);
const started = performance.now();
const plan = planCycle(snapshot, clock);
const ms = performance.now() - started;
const { heapUsed, heapTotal } = process.memoryUsage();
console.log(JSON.stringify({ presets, planned: plan.presetsReconciled, ms: Math.round(ms), heapUsedMb: Math.round(heapUsed / 2 ** 20), heapTotalMb: Math.round(heapTotal / 2 ** 20) }));
