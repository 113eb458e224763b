/**
 * The desired count of an active preset (SPEC §3, §11): the scheduled target, or the value of the
 * preset's target expression over the pool's state and recent demand, clamped to the policy's
 * ceiling. A failing expression falls back to the scheduled target, and says why.
 */

import { countDemand, DEMAND_WINDOWS, NO_DEMAND } from "./demand.js";
import { compileTargetExpression, evaluateTargetExpression, type CompiledTargetExpression, type TargetExpressionInputs } from "./expression/index.js";
import type { ResolvedPolicy } from "./policy.js";
import { wallClockAt } from "./timezone.js";
import type { ClaimEvent, Preset, ReconciliationState } from "./types/index.js";

/** The pool's figures an expression reads, besides demand and time. */
export type PoolFigures = Pick<ReconciliationState, "scheduledTarget" | "eligible" | "starting" | "stopping" | "deleting" | "expired"> & {
  /** Unexpired running prebuilds. */
  readonly running: number;
};

/** Where the desired count came from. */
export interface TargetResult {
  readonly desired: number;
  readonly source: ReconciliationState["targetSource"];
  readonly error: string | null;
  /** The compiled expression, when the preset has one that compiles. */
  readonly expression: CompiledTargetExpression | null;
}

const DEMAND_INPUTS = new Set<string>(DEMAND_WINDOWS.flatMap((window) => [`claims_${window}m`, `misses_${window}m`, `claim_rate_${window}m`]));

/** What an expression reads that costs something to work out, found once per compiled expression. */
const readsByExpression = new WeakMap<CompiledTargetExpression, { readonly demand: boolean; readonly clock: boolean }>();

function readsOf(expression: CompiledTargetExpression): { readonly demand: boolean; readonly clock: boolean } {
  let reads = readsByExpression.get(expression);
  if (reads === undefined) {
    reads = {
      demand: expression.inputs.some((input) => DEMAND_INPUTS.has(input)),
      clock: expression.inputs.includes("hour") || expression.inputs.includes("weekday"),
    };
    readsByExpression.set(expression, reads);
  }
  return reads;
}

/** Whether the expression reads recent claims or misses. */
export function readsDemand(expression: CompiledTargetExpression): boolean {
  return readsOf(expression).demand;
}

/** Whether the expression reads the hour or the weekday. */
export function readsClock(expression: CompiledTargetExpression): boolean {
  return readsOf(expression).clock;
}

function inputsOf(expression: CompiledTargetExpression, preset: Preset, figures: PoolFigures, events: readonly ClaimEvent[], nowMs: number): TargetExpressionInputs {
  // Demand and the wall clock cost something: they are worked out only for expressions that read them.
  const demand = readsDemand(expression) ? countDemand(events, nowMs) : null;
  const wall = readsClock(expression) ? wallClockAt(preset.scheduling?.timezone || "UTC", nowMs) : null;
  const { claims, misses } = demand ?? NO_DEMAND;
  // In the order of DEMAND_WINDOWS: 5, 10, 30, 60 and 120 minutes.
  const claims5 = claims[0] ?? 0;
  const claims10 = claims[1] ?? 0;
  const claims30 = claims[2] ?? 0;
  const claims60 = claims[3] ?? 0;
  const claims120 = claims[4] ?? 0;
  const misses5 = misses[0] ?? 0;
  const misses10 = misses[1] ?? 0;
  const misses30 = misses[2] ?? 0;
  const misses60 = misses[3] ?? 0;
  const misses120 = misses[4] ?? 0;
  return {
    scheduled_target: figures.scheduledTarget,
    running: figures.running,
    eligible: figures.eligible,
    starting: figures.starting,
    stopping: figures.stopping,
    deleting: figures.deleting,
    expired: figures.expired,
    claims_5m: claims5,
    claims_10m: claims10,
    claims_30m: claims30,
    claims_60m: claims60,
    claims_120m: claims120,
    misses_5m: misses5,
    misses_10m: misses10,
    misses_30m: misses30,
    misses_60m: misses60,
    misses_120m: misses120,
    claim_rate_5m: claims5 / 5,
    claim_rate_10m: claims10 / 10,
    claim_rate_30m: claims30 / 30,
    claim_rate_60m: claims60 / 60,
    claim_rate_120m: claims120 / 120,
    hour: wall?.hour ?? 0,
    weekday: wall?.dayOfWeek ?? 0,
  };
}

/** The desired count of a preset without an expression: its scheduled target. */
export function targetFromSchedule(count: number): TargetResult {
  return { desired: count, source: "scheduled", error: null, expression: null };
}

/**
 * The desired count of an active, validated preset that has an expression (`source`): its value,
 * or the scheduled target with the reason when it fails. A preset without one takes
 * {@link targetFromSchedule}, and then the figures need not be gathered at all.
 */
export function expressionTarget(source: string, preset: Preset, figures: PoolFigures, events: readonly ClaimEvent[], nowMs: number, policy: ResolvedPolicy): TargetResult {
  const fallback = (error: string, expression: CompiledTargetExpression | null): TargetResult => ({
    desired: figures.scheduledTarget,
    source: "expressionFallback",
    error,
    expression,
  });
  const compiled = compileTargetExpression(source);
  if (!compiled.ok) return fallback(compiled.message, null);
  const result = evaluateTargetExpression(compiled.expression, inputsOf(compiled.expression, preset, figures, events, nowMs));
  if (!result.ok) return fallback(result.message, compiled.expression);
  return { desired: Math.min(Math.max(result.value, 0), policy.maxExpressionTarget), source: "expression", error: null, expression: compiled.expression };
}
