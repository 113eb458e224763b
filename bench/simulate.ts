/**
 * How long `simulate` takes for 7, 30 and 365 days of the example scenario, with fast-forward (the
 * default) and with a cycle at every step, and `recommendConfiguration` on a week and four weeks.
 * Prints figures; asserts nothing (timing is never a test).
 *
 * Usage: node --import tsx bench/simulate.ts [--days=7,30,365] [--every-step-days=7,30] [--repeat=3] [--recommend]
 *
 * Before the store kept indexes and the engine skipped idle steps (commit b84de1d, measured on
 * this 2-core machine under a load average of 4–6): 7 days 3.5 s, 30 days 18.2 s, 365 days did
 * not end within 150 s.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadavg } from "node:os";
import { recommendConfiguration, simulate, type SimulationScenario } from "../src/testing.js";

function option(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((argument) => argument.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const days = option("days", "7,30,365").split(",").map(Number);
const everyStepDays = option("every-step-days", "7,30").split(",").filter((text) => text !== "").map(Number);
const repeat = Number(option("repeat", "3"));
const { $schema: _editorHint, ...scenario } = JSON.parse(readFileSync(join(import.meta.dirname, "..", "examples", "scenarios", "business-hours.json"), "utf8")) as SimulationScenario & { $schema?: string };

/** The median of `repeat` timed runs, in seconds, and what the last run returned. */
async function timed<T>(run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const seconds: number[] = [];
  let value: T | undefined;
  for (let round = 0; round < repeat; round += 1) {
    const started = performance.now();
    value = await run();
    seconds.push((performance.now() - started) / 1000);
  }
  seconds.sort((left, right) => left - right);
  return { seconds: seconds[Math.floor(seconds.length / 2)] ?? 0, value: value as T };
}

console.log(`Node ${process.version}, load average ${loadavg().map((load) => load.toFixed(1)).join(" ")}, median of ${repeat} runs`);
console.log("days   steps    claims   fast-forward   every step");
for (const length of days) {
  const fast = await timed(() => simulate(scenario, { days: length, seed: 1 }));
  const every = everyStepDays.includes(length) ? await timed(() => simulate(scenario, { days: length, seed: 1, fastForward: false })) : null;
  if (every !== null && JSON.stringify(every.value) !== JSON.stringify(fast.value)) throw new Error(`${length} days: the reports differ`);
  const steps = length * 1440;
  console.log(`${String(length).padStart(4)}   ${String(steps).padStart(6)}   ${String(fast.value.claims).padStart(6)}   ${`${fast.seconds.toFixed(2)} s`.padStart(12)}   ${every === null ? "-" : `${every.seconds.toFixed(2)} s (same report)`}`);
}

if (process.argv.includes("--recommend")) {
  for (const length of [7, 28]) {
    const { seconds, value } = await timed(() => recommendConfiguration(scenario, { days: length, seed: 1 }));
    console.log(`recommendConfiguration on ${length} days: ${seconds.toFixed(2)} s, ${value.simulations} simulations`);
  }
}
