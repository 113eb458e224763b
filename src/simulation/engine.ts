/**
 * The simulation engine: a real {@link Reconciler} over the in-memory world, driven through
 * simulated time step by step, with the scenario's claims. Steps in which nothing can happen are
 * accounted without running a cycle (fast-forward), which leaves the report exactly as it would
 * be with a cycle at every step.
 */

import { ManualClock } from "../adapters/memory/clock.js";
import { SimulatedProvisioner } from "../adapters/memory/provisioner.js";
import { InMemoryStore } from "../adapters/memory/store.js";
import { resolvePolicy } from "../core/policy.js";
import type { Metrics } from "../ports/metrics.js";
import { Reconciler } from "../runtime/reconciler.js";
import type { ReconcileStats } from "../runtime/stats.js";
import { claimArrivals, stepOf, type ClaimArrival } from "./demand.js";
import { ReportBuilder, type SimulationReport } from "./report.js";
import { resolveScenario, ScenarioValidationError, type ResolvedScenario, type SimulationScenario } from "./scenario.js";

const DAY_MS = 86_400_000;
const SYSTEM_USER = "prebuilds";

/** How to run a simulation. */
export interface SimulateOptions {
  /**
   * How many days to simulate, a whole number ≥ 1. Default 7; with a trace, enough whole days to
   * replay its last claim.
   */
  readonly days?: number;
  /** The seed of every random draw (claims drawn from rates, build latencies and failures); default 1. */
  readonly seed?: number;
  /**
   * Skip the cycles of steps in which nothing can happen (no claim, no build finishing, no change
   * the plan foresees); default true. The report is the same either way; `false` runs a cycle at
   * every step, which is slower.
   */
  readonly fastForward?: boolean;
}

/** The days and seed of a run, checked. */
export interface RunSettings {
  readonly days: number;
  readonly seed: number;
  readonly fastForward: boolean;
}

/** The days to simulate: as asked, or enough to replay the last trace claim. */
export function runSettings(scenario: ResolvedScenario, options: SimulateOptions): RunSettings {
  const issues = [];
  const { days, seed = 1, fastForward = true } = options;
  if (days !== undefined && (!Number.isInteger(days) || days < 1)) issues.push({ path: "options.days", message: `expected a whole number ≥ 1, got ${JSON.stringify(days)}` });
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) issues.push({ path: "options.seed", message: `expected a whole number from 0 to 4294967295, got ${JSON.stringify(seed)}` });
  if (issues.length > 0) throw new ScenarioValidationError(issues);
  return { days: days ?? defaultDays(scenario), seed, fastForward };
}

function defaultDays(scenario: ResolvedScenario): number {
  let last: number | null = null;
  for (const { demand } of scenario.presets) if (demand.kind === "trace") for (const atMs of demand.claimsMs) if (last === null || atMs > last) last = atMs;
  if (last === null) return 7;
  return Math.max(1, Math.ceil((last - scenario.start.getTime()) / DAY_MS));
}

/** How many steps a run of `days` days has. */
export function stepsOf(scenario: ResolvedScenario, days: number): number {
  return Math.ceil((days * DAY_MS) / (scenario.stepSeconds * 1000));
}

/** The per-preset desired counts the Reconciler reports, kept from its gauges. */
class DesiredGauges implements Metrics {
  readonly byPreset = new Map<string, number>();
  incrementCounter(): void {}
  observeHistogram(): void {}
  setGauge(name: string, labels: { readonly presetId: string } | null, value: number): void {
    if (name === "desired" && labels !== null) this.byPreset.set(labels.presetId, value);
  }
  total(): number {
    let sum = 0;
    for (const value of this.byPreset.values()) sum += value;
    return sum;
  }
}

/** Whether a cycle changed the world (queued or cancelled builds): the next step must run too. */
function actedOn(stats: ReconcileStats): boolean {
  return stats.actions.create + stats.actions.delete + stats.actions.cancelPending > 0 || stats.errors > 0;
}

/** Told of each claim as it is made, for searches that look at which claims missed. */
export type ClaimObserver = (arrival: ClaimArrival, hit: boolean) => void;

/** Runs a checked scenario with the given claims (see {@link runScenarioInDetail}). */
export async function runScenario(scenario: ResolvedScenario, settings: RunSettings, arrivals: readonly ClaimArrival[], observer?: ClaimObserver): Promise<SimulationReport> {
  return (await runScenarioInDetail(scenario, settings, arrivals, observer)).report;
}

/**
 * Runs a checked scenario with the given claims (see {@link claimArrivals}); every other public
 * entry point comes here. Besides the report, the idle prebuild-hours unrounded, for searches
 * that compare configurations closer than the report's tenth of an hour.
 */
export async function runScenarioInDetail(scenario: ResolvedScenario, settings: RunSettings, arrivals: readonly ClaimArrival[], observer?: ClaimObserver): Promise<{ readonly report: SimulationReport; readonly idleHours: number }> {
  const startMs = scenario.start.getTime();
  const stepMs = scenario.stepSeconds * 1000;
  const steps = stepsOf(scenario, settings.days);
  const clock = new ManualClock(scenario.start);
  const store = new InMemoryStore({ clock, systemUserId: SYSTEM_USER });
  for (const { preset } of scenario.presets) store.upsertPreset(preset);
  const provisioner = new SimulatedProvisioner({
    store,
    clock,
    seed: settings.seed,
    minLatencyMs: scenario.build.minLatencySeconds * 1000,
    maxLatencyMs: scenario.build.maxLatencySeconds * 1000,
    failureRate: scenario.build.failureRate,
    ...(scenario.build.capacity === null ? {} : { capacity: scenario.build.capacity }),
  });
  const gauges = new DesiredGauges();
  const reconciler = new Reconciler({ store, provisioner, clock, systemUserId: SYSTEM_USER, metrics: gauges, ...(scenario.policy === undefined ? {} : { policy: scenario.policy }) });
  // With scale-down stabilization the memory holds the instant of the last cycle: a cycle must run
  // just before each change, as it would with a cycle at every step.
  const stabilizing = resolvePolicy(scenario.policy).scaleDownStabilizationMs > 0;
  const presetIds = scenario.presets.map(({ preset }) => preset.id);
  const report = new ReportBuilder(startMs, stepMs, presetIds, scenario.claimSeconds, scenario.coldBuildSeconds);
  let next = 0;
  const claim = async (arrival: ClaimArrival, index: number) => {
    const presetId = presetIds[arrival.presetIndex] ?? "";
    const result = await reconciler.claim({ presetId, claimant: { userId: `user-${arrival.step}-${index}`, workspaceName: `w-${arrival.step}-${index}` } });
    report.claim(arrival.atMs, arrival.presetIndex, result.status === "claimed");
    observer?.(arrival, result.status === "claimed");
  };
  /** Makes the claims of `step` that come before `untilMs` (or at it, when `inclusive`). */
  const claimsOf = async (step: number, untilMs: number, inclusive: boolean) => {
    let index = 0;
    for (let arrival = arrivals[next]; arrival !== undefined && arrival.step === step && (arrival.atMs < untilMs || (inclusive && arrival.atMs === untilMs)); arrival = arrivals[next]) {
      if (arrival.atMs > clock.now().getTime()) clock.set(new Date(arrival.atMs));
      provisioner.advance();
      await claim(arrival, index);
      index += 1;
      next += 1;
    }
  };
  await claimsOf(0, startMs, true);
  let stats = await reconciler.reconcileOnce();
  let ready = store.countReadyPrebuilds();
  let readyByPreset = presetIds.map((presetId) => store.countReadyPrebuilds(presetId));
  let desired = gauges.total();
  let step = 0;
  while (step < steps) {
    const target = settings.fastForward ? nextStepToRun(step, stats) : step + 1;
    // Nothing happens in the steps skipped: the pools, and so the figures, stay as they are.
    for (let skipped = step + 1; skipped < Math.min(target, steps + 1); skipped += 1) report.step(startMs + skipped * stepMs, ready, readyByPreset, desired);
    if (target > steps) break;
    step = target;
    const atMs = startMs + step * stepMs;
    await claimsOf(step, atMs, false);
    clock.set(new Date(atMs));
    provisioner.advance();
    await claimsOf(step, atMs, true);
    stats = await reconciler.reconcileOnce();
    ready = store.countReadyPrebuilds();
    readyByPreset = presetIds.map((presetId) => store.countReadyPrebuilds(presetId));
    desired = gauges.total();
    report.step(atMs, ready, readyByPreset, desired);
  }
  let buildsStarted = 0;
  let buildsFailed = 0;
  for (const build of store.listBuilds()) {
    if (build.transition !== "start" || build.initiatorId !== SYSTEM_USER) continue;
    buildsStarted += 1;
    if (build.status === "failed") buildsFailed += 1;
  }
  return { report: report.finish(buildsStarted, buildsFailed), idleHours: report.idleHoursSoFar() };

  /** The next step whose cycle could differ from the last one. */
  function nextStepToRun(current: number, last: ReconcileStats): number {
    if (actedOn(last)) return current + 1;
    let earliest = steps + 1;
    const consider = (atMs: number | null) => {
      if (atMs !== null) earliest = Math.min(earliest, Math.max(current + 1, stepOf(scenario, atMs)));
    };
    const arrival = arrivals[next];
    if (arrival !== undefined) earliest = Math.min(earliest, Math.max(current + 1, arrival.step));
    consider(provisioner.nextFinishAt());
    consider(last.nextChangeAt?.getTime() ?? null);
    consider(store.nextUnwrittenChangeAt(clock.now().getTime()));
    if (stabilizing && earliest - 1 > current && earliest <= steps) return earliest - 1;
    return earliest;
  }
}

/**
 * Simulates a scenario: a real `Reconciler` runs on the in-memory world over simulated time, with
 * claims drawn from each preset's rates or replayed from its trace, and the report says what users
 * and the bill would see: how many claims were served warm, the waits, the idle prebuild-hours,
 * the builds. The same scenario and seed give the same report. Its cost grows linearly with the
 * simulated time (steps in which nothing can happen cost next to nothing): a year of one-minute
 * steps takes seconds.
 *
 * @throws {ScenarioValidationError} naming every bad field of the scenario or the options.
 * @example
 * const report = await simulate(
 *   { start: "2025-06-02T00:00:00Z", presets: [{ id: "eu-dev", desiredInstances: 2, demand: { weekdays: rates } }] },
 *   { days: 30, seed: 7 },
 * );
 * console.log(`${(report.hitRate * 100).toFixed(1)} % warm for ${report.idlePrebuildHours} idle prebuild-hours`);
 */
export async function simulate(scenario: SimulationScenario, options: SimulateOptions = {}): Promise<SimulationReport> {
  const resolved = resolveScenario(scenario);
  const settings = runSettings(resolved, options);
  return runScenario(resolved, settings, claimArrivals(resolved, stepsOf(resolved, settings.days), settings.seed));
}
