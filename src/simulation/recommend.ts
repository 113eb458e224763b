/**
 * Recommending a configuration from demand (issue 12 §6): a count per hour of the week for each
 * preset, a lead time and a base count, found by simulation to serve a target share of the
 * claims warm with the fewest idle prebuild-hours. Seeded and deterministic; bounded by a number
 * of simulations, not by the clock, so the same input always gives the same answer.
 */

import { claimArrivals } from "./demand.js";
import { runScenario, runScenarioInDetail, runSettings, stepsOf } from "./engine.js";
import { withTrace } from "./compare.js";
import { HOURS_PER_WEEK, hourOfWeekAt, schedulesForCounts } from "./hour-of-week.js";
import { materializeDemand } from "./materialize.js";
import type { SimulationReport } from "./report.js";
import { resolveScenario, ScenarioValidationError, type ResolvedScenario, type ScenarioPreset, type SimulationScenario } from "./scenario.js";
import type { ClaimTrace } from "./trace.js";

/** How to search. */
export interface RecommendOptions {
  /** The share of claims to serve warm, above 0 and at most 1; default 0.99. */
  readonly targetWarmRate?: number;
  /** Days of demand to tune on; default 7, or all of a trace. */
  readonly days?: number;
  /** The seed of the claims drawn from rates and of the builds; default 1. */
  readonly seed?: number;
  /** The most simulations the search may run (each one simulates the whole demand); default 150. */
  readonly maxSimulations?: number;
}

/** What the search recommends for one preset. */
export interface PresetRecommendation {
  /** The preset's id. */
  readonly presetId: string;
  /** The zone the counts are read in: its demand's for rates, else the preset's scheduling zone, else UTC. */
  readonly timezone: string;
  /** The claims per hour the counts follow, for each hour of the week in `timezone`, Monday 00:00 first. */
  readonly ratesByHourOfWeek: readonly number[];
  /** The ladder: an hour whose rate reaches the k-th of these claims per hour gets a count of at least k. */
  readonly rungs: readonly number[];
  /** The count for each hour of the week in `timezone`, Monday 00:00 first (168 numbers). */
  readonly countsByHourOfWeek: readonly number[];
  /** How far ahead of a rise the pool starts to fill, in seconds. */
  readonly leadTimeSeconds: number;
  /** The preset as it was given, with `desiredInstances` and `scheduling` replaced: ready to paste. */
  readonly preset: Omit<ScenarioPreset, "demand">;
}

/** The outcome of {@link recommendConfiguration}. */
export interface Recommendation {
  /** The share of claims the search had to serve warm. */
  readonly targetWarmRate: number;
  /** Days of demand tuned on. */
  readonly days: number;
  /** The seed. */
  readonly seed: number;
  /** The claims tuned on (the scenario's demand, drawn with the seed, or its trace). */
  readonly trace: ClaimTrace;
  /** Whether the recommended configuration meets the target on those claims. */
  readonly metTarget: boolean;
  /** How many simulations the search ran. */
  readonly simulations: number;
  /** One recommendation per preset, in the scenario's order. */
  readonly presets: readonly PresetRecommendation[];
  /** The recommended configuration's figures on the claims. */
  readonly recommended: SimulationReport;
  /** The scenario's own configuration's figures on the same claims. */
  readonly current: SimulationReport;
}

/**
 * One preset's configuration during the search: a ladder of claim rates. The count of an hour is
 * how many of the `thresholds` its rate reaches (an hour without claims gets none), so hours of
 * equal demand always get equal counts: the search cannot fit the accidents of one sample.
 */
interface Candidate {
  /** Ascending claim rates per hour: reaching the k-th gives a count of k + 1; `Infinity` never reached. */
  readonly thresholds: readonly number[];
  readonly leadTimeSeconds: number;
}

/** A change the search may try: raise one threshold of a ladder, or shorten a lead time. */
interface Move {
  readonly preset: number;
  readonly candidate: Candidate;
  /** About how many prebuild-hours a week it saves, to try the largest first. */
  readonly saving: number;
}

const DEFAULT_TARGET = 0.99;
const DEFAULT_MAX_SIMULATIONS = 150;
const HOUR_MS = 3_600_000;

/** The zone a preset's counts are read in: its demand's for rates, else its scheduling zone, else UTC. */
function zoneOf(resolved: ResolvedScenario["presets"][number]): string {
  if (resolved.demand.kind === "rates") return resolved.demand.timezone;
  const scheduled = resolved.preset.scheduling?.timezone;
  return scheduled !== undefined && scheduled !== "" ? scheduled : "UTC";
}

/**
 * Claims per hour for each hour of the week: the rates themselves, or a trace's claims in each
 * hour of the week divided by how many times that hour occurs in the days tuned on.
 */
function ratesOf(resolved: ResolvedScenario["presets"][number], startMs: number, days: number): number[] {
  if (resolved.demand.kind === "rates") return [...resolved.demand.hourOfWeek];
  const timezone = zoneOf(resolved);
  const claims = new Array<number>(HOURS_PER_WEEK).fill(0);
  const occurrences = new Array<number>(HOURS_PER_WEEK).fill(0);
  for (let atMs = startMs; atMs < startMs + days * 24 * HOUR_MS; atMs += HOUR_MS) {
    const hour = hourOfWeekAt(timezone, atMs);
    occurrences[hour] = (occurrences[hour] ?? 0) + 1;
  }
  for (const atMs of resolved.demand.claimsMs) {
    const hour = hourOfWeekAt(timezone, atMs);
    claims[hour] = (claims[hour] ?? 0) + 1;
  }
  return claims.map((count, hour) => count / Math.max(1, occurrences[hour] ?? 0));
}

function countsOf(candidate: Candidate, rates: readonly number[]): number[] {
  return rates.map((rate) => (rate > 0 ? candidate.thresholds.filter((threshold) => rate >= threshold).length : 0));
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Hour boundaries at which the count rises, over the week: where a lead time costs. */
function rises(counts: readonly number[]): number {
  let total = 0;
  counts.forEach((count, hour) => {
    if (count > (counts[(hour + HOURS_PER_WEEK - 1) % HOURS_PER_WEEK] ?? 0)) total += count - (counts[(hour + HOURS_PER_WEEK - 1) % HOURS_PER_WEEK] ?? 0);
  });
  return total;
}

/** Every move from `candidate`: each threshold raised to the next rate that changes a count, and the next shorter lead. */
function movesOf(candidate: Candidate, preset: number, rates: readonly number[], leads: readonly number[]): Move[] {
  const moves: Move[] = [];
  const before = countsOf(candidate, rates);
  const distinct = [...new Set(rates.filter((rate) => rate > 0))].sort((left, right) => left - right);
  candidate.thresholds.forEach((threshold, level) => {
    for (const raised of [...distinct.filter((rate) => rate > threshold), Number.POSITIVE_INFINITY]) {
      const thresholds = candidate.thresholds.map((value, index) => (index >= level ? Math.max(value, raised) : value));
      const after = countsOf({ ...candidate, thresholds }, rates);
      const saving = sum(before) - sum(after);
      if (saving > 0) {
        moves.push({ preset, candidate: { ...candidate, thresholds }, saving });
        break;
      }
    }
  });
  const shorter = leads.find((lead) => lead < candidate.leadTimeSeconds);
  if (shorter !== undefined) moves.push({ preset, candidate: { ...candidate, leadTimeSeconds: shorter }, saving: (rises(before) * (candidate.leadTimeSeconds - shorter)) / 3600 });
  return moves;
}

function candidateKey(candidate: Candidate): string {
  return `${candidate.thresholds.join(",")}@${candidate.leadTimeSeconds}`;
}

/** The scenario's presets configured as `candidates`, replaying `trace`. */
function configured(scenario: SimulationScenario, resolved: ResolvedScenario, candidates: readonly Candidate[], rates: readonly (readonly number[])[], trace: ClaimTrace): SimulationScenario {
  const withClaims = withTrace(scenario, trace);
  return {
    ...withClaims,
    presets: withClaims.presets.map((preset, index) => {
      const candidate = candidates[index];
      const entry = resolved.presets[index];
      if (candidate === undefined || entry === undefined) return preset;
      const { desiredInstances, scheduling } = schedulesForCounts(countsOf(candidate, rates[index] ?? []), zoneOf(entry), candidate.leadTimeSeconds);
      return { ...preset, desiredInstances, scheduling };
    }),
  };
}

/**
 * Searches, by simulation, the configuration of each preset (a count per hour of the week, read
 * as schedules in the zone of its demand; a lead time; a base count, the smallest of the counts)
 * that serves at least `targetWarmRate` of the scenario's claims warm with the fewest idle
 * prebuild-hours, on the claims of its demand (drawn with the seed) or its trace.
 *
 * Counts follow demand: each preset gets a ladder of claim rates, and an hour's count is how
 * many rungs its rate per hour reaches (the rates of rate demand, or a trace's claims per hour of
 * the week). The search starts with every rung at the smallest rate, as many rungs as the most
 * claims that came within one build time, and a lead time of one build time; adds a rung while
 * the target is missed; then greedily raises rungs and shortens lead times, the change that
 * saves the most prebuild-hours first, keeping each change that still meets the target. Since
 * hours of equal demand get equal counts, the result does not fit the accidents of one sample of
 * claims; still, a longer sample (more `days`) gives a steadier result. Every candidate is a full
 * simulation with the scenario's builds and policy; `maxSimulations` bounds the search. The hit
 * rate is over all presets' claims together. A preset's target expression is kept: its
 * `scheduled_target` is what the search tunes.
 *
 * @throws {ScenarioValidationError} naming every bad field, or a bad option.
 * @example
 * const recommendation = await recommendConfiguration(scenario, { targetWarmRate: 0.99, days: 28 });
 * for (const { preset } of recommendation.presets) console.log(JSON.stringify(preset, null, 2));
 * console.log(recommendation.current.idlePrebuildHours, "→", recommendation.recommended.idlePrebuildHours);
 */
export async function recommendConfiguration(scenario: SimulationScenario, options: RecommendOptions = {}): Promise<Recommendation> {
  const target = options.targetWarmRate ?? DEFAULT_TARGET;
  const budget = options.maxSimulations ?? DEFAULT_MAX_SIMULATIONS;
  const problems = [];
  if (typeof target !== "number" || !(target > 0 && target <= 1)) problems.push({ path: "options.targetWarmRate", message: `expected a number above 0 and at most 1, got ${JSON.stringify(target)}` });
  if (!Number.isInteger(budget) || budget < 2) problems.push({ path: "options.maxSimulations", message: `expected a whole number ≥ 2, got ${JSON.stringify(budget)}` });
  if (problems.length > 0) throw new ScenarioValidationError(problems);
  const resolved = resolveScenario(scenario);
  const settings = runSettings(resolved, { ...options, fastForward: true });
  const trace = materializeDemand(scenario, { days: settings.days, seed: settings.seed });
  const replayed = resolveScenario(withTrace(scenario, trace));
  const arrivals = claimArrivals(replayed, stepsOf(replayed, settings.days), settings.seed);
  const startMs = resolved.start.getTime();
  const rates = resolved.presets.map((entry, index) => (entry.demand.kind === "rates" ? ratesOf(entry, startMs, settings.days) : ratesOf(replayed.presets[index] ?? entry, startMs, settings.days)));
  const allowedMisses = Math.floor(arrivals.length * (1 - target) + 1e-9);
  const replenishSeconds = Math.ceil(resolved.build.maxLatencySeconds + 2 * resolved.stepSeconds);
  const leads = [...new Set([replenishSeconds, Math.ceil(replenishSeconds / 2), 0])];

  let simulations = 0;
  const evaluate = (candidates: readonly Candidate[]): Promise<{ readonly report: SimulationReport; readonly idleHours: number }> => {
    simulations += 1;
    return runScenarioInDetail(resolveScenario(configured(scenario, resolved, candidates, rates, trace)), settings, arrivals);
  };
  const meets = ({ report }: { readonly report: SimulationReport }) => report.claims - report.hits <= allowedMisses;

  // As many rungs as the most claims of a preset within one build time: enough if builds never failed.
  const rungs = replayed.presets.map(({ demand }) => {
    const claimsMs = demand.kind === "trace" ? demand.claimsMs : [];
    let most = 1;
    let first = 0;
    claimsMs.forEach((atMs, index) => {
      while ((claimsMs[first] as number) <= atMs - replenishSeconds * 1000) first += 1;
      most = Math.max(most, index - first + 1);
    });
    return most;
  });
  const lowest = (index: number) => Math.min(...(rates[index] ?? []).filter((rate) => rate > 0), Number.POSITIVE_INFINITY);
  let candidates: Candidate[] = rungs.map((count, index) => ({ thresholds: new Array<number>(count).fill(lowest(index)), leadTimeSeconds: leads[0] ?? 0 }));
  let best = await evaluate(candidates);
  // Builds fail and take their time: one more rung for every preset while the target is missed.
  while (!meets(best) && simulations < budget) {
    candidates = candidates.map((candidate, index) => ({ ...candidate, thresholds: [...candidate.thresholds, lowest(index)] }));
    best = await evaluate(candidates);
  }
  if (meets(best)) {
    const rejected = new Set<string>();
    for (let improved = true; improved && simulations < budget; ) {
      improved = false;
      const moves = candidates.flatMap((candidate, preset) => movesOf(candidate, preset, rates[preset] ?? [], leads)).sort((left, right) => right.saving - left.saving || left.preset - right.preset);
      for (const move of moves) {
        if (simulations >= budget) break;
        const key = `${move.preset}:${candidateKey(candidates[move.preset] as Candidate)}→${candidateKey(move.candidate)}`;
        if (rejected.has(key)) continue;
        const next = candidates.map((candidate, index) => (index === move.preset ? move.candidate : candidate));
        const outcome = await evaluate(next);
        if (meets(outcome) && outcome.idleHours < best.idleHours) {
          candidates = next;
          best = outcome;
          improved = true;
          break;
        }
        rejected.add(key);
      }
    }
  }
  const current = await runScenario(replayed, settings, arrivals);
  return {
    targetWarmRate: target,
    days: settings.days,
    seed: settings.seed,
    trace,
    metTarget: meets(best),
    simulations,
    presets: resolved.presets.map((entry, index) => {
      const candidate = candidates[index] as Candidate;
      const presetRates = rates[index] ?? [];
      const counts = countsOf(candidate, presetRates);
      const { demand: _demand, ...given } = scenario.presets[index] as ScenarioPreset;
      const { desiredInstances, scheduling } = schedulesForCounts(counts, zoneOf(entry), candidate.leadTimeSeconds);
      return {
        presetId: entry.preset.id,
        timezone: zoneOf(entry),
        ratesByHourOfWeek: presetRates,
        rungs: candidate.thresholds.filter((threshold) => Number.isFinite(threshold)),
        countsByHourOfWeek: counts,
        leadTimeSeconds: scheduling === null ? 0 : candidate.leadTimeSeconds,
        preset: { ...given, desiredInstances, scheduling },
      };
    }),
    recommended: best.report,
    current,
  };
}
