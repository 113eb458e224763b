/**
 * A profiling target. Cases: planCycle (default), groupBy, naive, desired-fresh-minute, desired-fresh-cron.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile.ts planCycle 10000 10
 *   node --import tsx bench/top-frames.ts /tmp/prof
 *
 * tsx strips whitespace, so every frame of a profile taken through it sits on line 1 and inlined
 * callbacks show as "(anonymous)". For frames with real lines, profile an esbuild bundle instead:
 *
 *   npx esbuild bench/profile.ts --bundle --platform=node --format=esm --outfile=/tmp/prof/profile.mjs
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof /tmp/prof/profile.mjs planCycle 10000 10
 */

import { desiredInstances, planCycle, type Preset } from "../src/index.js";
import { groupByPreset, naivePlan } from "./baselines.js";
import { clock, generateSnapshot, NOW } from "./data.js";

const [caseName = "planCycle", presetsText = "10000", callsText = "5"] = process.argv.slice(2);
const presets = Number(presetsText);
const calls = Number(callsText);

if (caseName.startsWith("desired")) {
  const preset: Preset = {
    id: "p", name: "p", organizationId: "o", templateId: "t", templateVersionId: "v",
    usingActiveVersion: true, templateDeleted: false, templateDeprecated: false, desiredInstances: 1,
    scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 8-18 * * 1-5", instances: 3 }, { cron: "* 8-14 * * 6", instances: 1 }] },
  };
  const started = performance.now();
  for (let index = 0; index < calls; index += 1) {
    if (caseName === "desired-fresh-cron") {
      const cron = `${index % 60} ${Math.floor(index / 60) % 24} ${(Math.floor(index / 1440) % 28) + 1} ${(Math.floor(index / 40_320) % 12) + 1} *`;
      desiredInstances({ ...preset, scheduling: { timezone: "Europe/Berlin", schedules: [{ cron, instances: 2 }] } }, NOW);
    } else desiredInstances(preset, new Date(NOW.getTime() + index * 60_000));
  }
  console.log(`${caseName}: ${calls} calls, ${((performance.now() - started) / calls * 1000).toFixed(2)} µs per call`);
} else {
  const { snapshot } = generateSnapshot(presets);
  const run = caseName === "groupBy" ? () => groupByPreset(snapshot) : caseName === "naive" ? () => naivePlan(snapshot, clock) : () => planCycle(snapshot, clock);
  for (let index = 0; index < calls; index += 1) {
    const started = performance.now();
    run();
    console.log(`${caseName} ${presets}: ${(performance.now() - started).toFixed(1)} ms`);
  }
}
