/**
 * `desiredInstances` per call, for UTC and for a DST zone, cached and uncached.
 *
 * Two caches sit behind a call: the compiled form of each cron expression (parsed once per
 * distinct text, by cron-parser) and the wall clock of the last minute asked for in each zone
 * (one Intl call per zone and minute). "Uncached" defeats one of them on every call:
 * - fresh minute: each call asks for the next minute, so the zone's wall clock is computed anew;
 * - fresh cron: each call's preset carries a cron expression never seen before in the process,
 *   so it is parsed anew (the preset object is built inside the timed call; that costs ~0.1 µs).
 */

import { desiredInstances, type Preset } from "../src/index.js";
import { NOW, NOW_MS } from "./data.js";
import { time, type Timing } from "./measure.js";

export interface DesiredResult {
  readonly zone: string;
  readonly mode: "cached" | "fresh minute" | "fresh cron";
  readonly timing: Timing;
}

const ZONES = ["UTC", "Europe/Berlin"] as const;
const OPTIONS = { time: 400, iterations: 200, warmupIterations: 200 };

function presetIn(timezone: string, firstCron = "* 8-18 * * 1-5"): Preset {
  return {
    id: "preset-desired",
    name: "desired",
    organizationId: "org",
    templateId: "template",
    templateVersionId: "version",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 1,
    ttlSeconds: 86_400,
    scheduling: { timezone, schedules: [{ cron: firstCron, instances: 3 }, { cron: "* 8-14 * * 6", instances: 2 }] },
  };
}

/** Never-repeating 5-field expressions: 60 × 24 × 28 × 12 = 483,840 distinct texts before any repeat. */
let cronCounter = 0;
function freshCron(): string {
  const index = cronCounter;
  cronCounter += 1;
  return `${index % 60} ${Math.floor(index / 60) % 24} ${(Math.floor(index / 1_440) % 28) + 1} ${(Math.floor(index / 40_320) % 12) + 1} *`;
}

export async function benchmarkDesired(log: (line: string) => void): Promise<DesiredResult[]> {
  const results: DesiredResult[] = [];
  for (const zone of ZONES) {
    const preset = presetIn(zone);
    const cached = await time(`${zone} cached`, () => desiredInstances(preset, NOW), OPTIONS);
    results.push({ zone, mode: "cached", timing: cached });

    // Minutes count up from a point far from NOW, so no call ever repeats the zone's last minute.
    let minute = 0;
    const freshMinute = await time(
      `${zone} fresh minute`,
      () => {
        minute += 1;
        return desiredInstances(preset, new Date(NOW_MS + 86_400_000 + minute * 60_000));
      },
      OPTIONS,
    );
    results.push({ zone, mode: "fresh minute", timing: freshMinute });

    const freshCronTiming = await time(`${zone} fresh cron`, () => desiredInstances(presetIn(zone, freshCron()), NOW), OPTIONS);
    results.push({ zone, mode: "fresh cron", timing: freshCronTiming });
    log(`  ${zone.padEnd(14)} cached ${(cached.medianMs * 1000).toFixed(2)} µs, fresh minute ${(freshMinute.medianMs * 1000).toFixed(2)} µs, fresh cron ${(freshCronTiming.medianMs * 1000).toFixed(2)} µs`);
  }
  return results;
}
