/**
 * Where `planCycle`'s time goes: each stage of src/core/cycle.ts run on its own, over the inputs the
 * stage before it produced (computed once, outside the timed calls), so that each stage's time
 * includes the collection of its own garbage and nothing else's. The stages are internal functions;
 * the sum differs from one `planCycle` call by what the cycle does between them and by noise.
 */

import { canSkip, decide, type Decision } from "../src/core/actions.js";
import { groupSnapshot, hasRepeatedIds, snapshotOf } from "../src/core/grouping.js";
import { memoryAfter } from "../src/core/cycle.js";
import { nextChangeMs, type ScheduleScans } from "../src/core/next-change.js";
import { resolvePolicy } from "../src/core/policy.js";
import { evaluate, inactiveBecause, type Evaluation } from "../src/core/state.js";
import { runningRule } from "../src/core/validate/schemas.js";
import { planCycle, type GlobalSnapshot, type PresetSnapshot } from "../src/index.js";
import { groupByPreset } from "./baselines.js";
import { clock } from "./data.js";
import { time, type RunOptions } from "./measure.js";

/** One stage and its median time per cycle. */
export interface StageResult {
  readonly stage: string;
  /** What the stage does, in a few words. */
  readonly what: string;
  readonly medianMs: number;
  /** A stage of the cycle; part of the stage above it; or a reference point. Only stages add up to the cycle. */
  readonly kind: "stage" | "part" | "reference";
}

interface Planned {
  readonly snapshot: PresetSnapshot;
  evaluation: Evaluation;
  decision: Decision;
}

const OPTIONS: RunOptions = { time: 2_000, iterations: 10, warmupIterations: 3 };

/** Times each stage of planning `snapshot`. */
export async function planStages(snapshot: GlobalSnapshot): Promise<StageResult[]> {
  const policy = resolvePolicy(undefined);
  const nowMs = clock.now().getTime();
  const grouping = groupSnapshot(snapshot);
  const planned: Planned[] = [];
  for (const group of grouping.groups.values()) {
    if (group.preset === null || !group.valid) continue;
    const presetSnapshot = snapshotOf(group, group.preset);
    if (canSkip(presetSnapshot, inactiveBecause(group.preset) === null)) continue;
    const evaluation = evaluate(presetSnapshot, nowMs, policy);
    planned.push({ snapshot: presetSnapshot, evaluation, decision: decide(presetSnapshot, evaluation, policy) });
  }
  const results: StageResult[] = [];
  const stage = async (name: string, what: string, kind: StageResult["kind"], run: () => unknown) => {
    const timing = await time(`stage ${name}`, run, OPTIONS);
    results.push({ stage: name, what, medianMs: timing.medianMs, kind });
  };
  await stage("the floor", "one pass of every row into per-preset buckets (group-by)", "reference", () => groupByPreset(snapshot));
  await stage("validate and group", "every row checked by its type guard and put in its preset's group; duplicate prebuild ids found", "stage", () => groupSnapshot(snapshot));
  await stage("↳ running rows' type guards", "the check of each running row alone", "part", () => {
    let valid = 0;
    for (const row of snapshot.running) if (runningRule.is(row)) valid += 1;
    return valid;
  });
  await stage("↳ the duplicate-id pass", "one Set of every prebuild id, filled in a pass of its own: a duplicate may sit under another preset", "part", () => hasRepeatedIds(snapshot.running));
  await stage("evaluate", "expiry, the scheduled count, what is remembered, the state", "stage", () => {
    for (const plan of planned) plan.evaluation = evaluate(plan.snapshot, nowMs, policy);
  });
  await stage("decide", "the actions, in order, each with its reason", "stage", () => {
    for (const plan of planned) plan.decision = decide(plan.snapshot, plan.evaluation, policy);
  });
  await stage("next change", "when the plan could next change: schedules, expiry, backoff, probes", "stage", () => {
    const scans: ScheduleScans = new Map();
    for (const plan of planned) nextChangeMs(plan.snapshot, plan.evaluation, plan.decision, policy, scans);
  });
  await stage("next memory", "what to remember: creates and deletes asked for, peaks, the slow-start window", "stage", () => {
    for (const plan of planned) memoryAfter(plan.snapshot, plan.evaluation, plan.decision, plan.decision.actions, nowMs, policy);
  });
  const total = await time("stage planCycle", () => planCycle(snapshot, clock), OPTIONS);
  const summed = results.filter((result) => result.kind === "stage").reduce((sum, result) => sum + result.medianMs, 0);
  results.push({
    stage: "the rest",
    what: "skip checks, recorded statuses and the plan's objects: planCycle's median less the stages above (0 when they add up to more)",
    medianMs: Math.max(0, total.medianMs - summed),
    kind: "stage",
  });
  results.push({ stage: "planCycle", what: "the whole call, timed with the stages (default policy: no create budget)", medianMs: total.medianMs, kind: "reference" });
  return results;
}
