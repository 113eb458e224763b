/**
 * The claims a simulation makes: drawn from each preset's rates (a Poisson count per step, from
 * the seed) or replayed from its trace. They are all worked out before the simulation runs, since
 * they do not depend on what the pools do: the engine then knows when the next one comes.
 */

import { nextWallHour, wallClockAt } from "../core/timezone.js";
import { seededRandom } from "../internal/random.js";
import type { ResolvedScenario } from "./scenario.js";
import type { ClaimTrace } from "./trace.js";

const HOUR_MS = 3_600_000;

/** One claim to make: when, in which step, from which preset (its index in the scenario). */
export interface ClaimArrival {
  readonly atMs: number;
  /** The step whose claims it joins: the first step at or after it (step 0 is the start). */
  readonly step: number;
  readonly presetIndex: number;
}

/** Knuth's method: fine for the small per-step rates of claims. */
function poisson(mean: number, random: () => number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random();
  while (product > limit) {
    count += 1;
    product *= random();
  }
  return count;
}

/** The step a claim at `atMs` joins. */
export function stepOf(scenario: ResolvedScenario, atMs: number): number {
  return Math.max(0, Math.ceil((atMs - scenario.start.getTime()) / (scenario.stepSeconds * 1000)));
}

/**
 * Every claim of a run of `steps` steps, in the order the engine makes them: by step; within a
 * step, trace claims at their instants first, then the claims drawn for the step (at its end),
 * preset by preset. Trace claims after the last step are left out.
 */
export function claimArrivals(scenario: ResolvedScenario, steps: number, seed: number): ClaimArrival[] {
  const startMs = scenario.start.getTime();
  const stepMs = scenario.stepSeconds * 1000;
  const traced: ClaimArrival[] = [];
  const rated: { readonly presetIndex: number; readonly timezone: string; readonly hourOfWeek: readonly number[]; rate: number; validUntilMs: number }[] = [];
  scenario.presets.forEach(({ demand }, presetIndex) => {
    if (demand.kind === "trace") {
      for (const atMs of demand.claimsMs) {
        const step = stepOf(scenario, atMs);
        if (step <= steps) traced.push({ atMs, step, presetIndex });
      }
    } else rated.push({ presetIndex, timezone: demand.timezone, hourOfWeek: demand.hourOfWeek, rate: 0, validUntilMs: Number.NEGATIVE_INFINITY });
  });
  // Stable: claims of the same instant keep the scenario's preset order, then the trace's order.
  traced.sort((left, right) => left.atMs - right.atMs);
  if (rated.length === 0) return traced;
  const random = seededRandom(seed ^ 0x5bd1e995);
  const arrivals: ClaimArrival[] = [];
  let nextTraced = 0;
  for (let step = 0; step <= steps; step += 1) {
    while (nextTraced < traced.length && (traced[nextTraced] as ClaimArrival).step === step) arrivals.push(traced[nextTraced++] as ClaimArrival);
    if (step === 0) continue;
    const atMs = startMs + step * stepMs;
    for (const demand of rated) {
      // The rate holds for a wall-clock hour: looked up again only when the hour changes.
      if (atMs >= demand.validUntilMs) {
        const wall = wallClockAt(demand.timezone, atMs);
        demand.rate = demand.hourOfWeek[((wall.dayOfWeek + 6) % 7) * 24 + wall.hour] ?? 0;
        demand.validUntilMs = nextWallHour(demand.timezone, atMs);
      }
      const count = poisson((demand.rate * stepMs) / HOUR_MS, random);
      for (let claim = 0; claim < count; claim += 1) arrivals.push({ atMs, step, presetIndex: demand.presetIndex });
    }
  }
  return arrivals;
}

/** The arrivals as a trace (preset ids instead of indexes). */
export function arrivalsAsTrace(scenario: ResolvedScenario, arrivals: readonly ClaimArrival[]): ClaimTrace {
  return arrivals.map((arrival) => ({ at: new Date(arrival.atMs), presetId: scenario.presets[arrival.presetIndex]?.preset.id ?? "" }));
}
