/**
 * `planCycle` against its two reference points, on generated snapshots of 1k, 10k and 100k presets
 * with 10 prebuilds each (see data.ts for the mix).
 */

import { planCycle, type CyclePlan, type GlobalSnapshot } from "../src/index.js";
import { groupByPreset, naivePlan } from "./baselines.js";
import { clock, generateSnapshot, withTargetExpressions, type SnapshotShape } from "./data.js";
import { heapAround, time, type HeapReading, type RunOptions, type Timing } from "./measure.js";

export type PlanCase = "group-by" | "planCycle" | "expressions" | "naive";

/** One measured case at one size. */
export interface PlanResult {
  readonly case: PlanCase;
  readonly shape: SnapshotShape;
  readonly timing: Timing;
  /** Heap around one call; `null` when the call was not run in full (the sampled naive planner). */
  readonly heap: HeapReading | null;
  /** For the naive planner at large sizes: the fraction of presets actually planned per timed call (1: all). */
  readonly sampled: number;
  /** What the timed call planned, for the report. */
  readonly note: string;
  /**
   * The median, over calls made in pairs, of its time over its reference's on the same rows: for
   * `planCycle` the group-by floor (not at 100k presets), for `expressions` planCycle without them. A pair runs back to back (in turn which first), so that a slow spell of
   * a shared machine weighs on both sides of each ratio.
   */
  readonly pairedRatio?: number;
}

/** The median of `pairs` ratios time(b) ÷ time(a), each from two calls made back to back. */
function pairedRatio(a: () => unknown, b: () => unknown, pairs: number): number {
  const timed = (run: () => unknown): number => {
    const started = performance.now();
    run();
    return performance.now() - started;
  };
  for (let warm = 0; warm < 3; warm += 1) {
    a();
    b();
  }
  const ratios: number[] = [];
  for (let pair = 0; pair < pairs; pair += 1) {
    if (pair % 2 === 0) {
      const first = timed(a);
      ratios.push(timed(b) / first);
    } else {
      const second = timed(b);
      ratios.push(second / timed(a));
    }
  }
  ratios.sort((left, right) => left - right);
  return ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
}

/** How each size is run: smaller sizes get more samples. */
const OPTIONS: Record<number, RunOptions> = {
  1_000: { time: 1_500, iterations: 20, warmupIterations: 5 },
  10_000: { time: 4_000, iterations: 10, warmupIterations: 2 },
  100_000: { time: 0, iterations: 5, warmupIterations: 1 },
};

/** The naive planner is O(presets × rows): one call at 10k presets takes about a minute here. */
const NAIVE_OPTIONS: Record<number, RunOptions> = {
  1_000: { time: 1_500, iterations: 5, warmupIterations: 1 },
  10_000: { time: 0, iterations: 3, warmupIterations: 1 },
};

function summarize(plan: CyclePlan): string {
  const actions = { create: 0, delete: 0, backoff: 0, cancelPending: 0 };
  for (const preset of plan.presets) for (const action of preset.actions) actions[action.type] += 1;
  return `${plan.presetsReconciled}/${plan.presetsTotal} presets planned; ${actions.create} create, ${actions.delete} delete, ${actions.backoff} backoff, ${actions.cancelPending} cancelPending`;
}

/**
 * A snapshot with every `stride`-th preset and all the rows. The naive planner's cost is the sum of
 * independent per-preset scans of every row list, so planning one preset in `stride` over the full
 * rows costs exactly `1 / stride` of planning them all.
 */
function everyNth(snapshot: GlobalSnapshot, stride: number): GlobalSnapshot {
  return { ...snapshot, presets: snapshot.presets.filter((_, index) => index % stride === 0) };
}

/** Runs the three cases at one size; the naive planner only when `naive` is set. */
export async function benchmarkSize(
  presets: number,
  options: { readonly naive: boolean; readonly naiveStride: number; readonly log: (line: string) => void },
): Promise<PlanResult[]> {
  const { log } = options;
  const started = performance.now();
  const { snapshot, shape } = generateSnapshot(presets);
  log(`  generated ${presets.toLocaleString("en-US")} presets, ${shape.rows.toLocaleString("en-US")} rows in ${((performance.now() - started) / 1000).toFixed(1)} s (not timed)`);

  // One untimed call: the data must be valid, and its summary goes in the report. Not kept, so that
  // it does not weigh on the heap readings.
  let plan: CyclePlan | null = planCycle(snapshot, clock);
  if (plan.invalid.length > 0) throw new Error(`generated snapshot has invalid presets: ${plan.invalid[0]?.presetId}`);
  const planSummary = summarize(plan);
  const planActions = presets <= 1_000 ? JSON.stringify(plan.presets.map(({ presetId, actions }) => ({ presetId, actions }))) : null;
  plan = null;
  const results: PlanResult[] = [];
  const runOptions = OPTIONS[presets] ?? OPTIONS[10_000]!;

  const groupTiming = await time(`group-by ${presets}`, () => groupByPreset(snapshot), runOptions);
  results.push({ case: "group-by", shape, timing: groupTiming, heap: heapAround(() => groupByPreset(snapshot)), sampled: 1, note: "one pass into a Map" });
  log(`  group-by   ${groupTiming.medianMs.toFixed(2)} ms median (${groupTiming.samples} samples)`);

  const planTiming = await time(`planCycle ${presets}`, () => planCycle(snapshot, clock), runOptions);
  const overFloor = presets <= 10_000 ? pairedRatio(() => groupByPreset(snapshot), () => planCycle(snapshot, clock), presets >= 10_000 ? 31 : 101) : undefined;
  results.push({ case: "planCycle", shape, timing: planTiming, heap: heapAround(() => planCycle(snapshot, clock)), sampled: 1, note: planSummary, ...(overFloor === undefined ? {} : { pairedRatio: overFloor }) });
  log(`  planCycle  ${planTiming.medianMs.toFixed(2)} ms median (${planTiming.samples} samples)${overFloor === undefined ? "" : `; ${overFloor.toFixed(2)}× group-by, median of paired calls`}`);

  if (presets <= 10_000) {
    // The same rows with a target expression on every preset (SPEC §11): what expressions cost.
    const withExpressions = withTargetExpressions(snapshot);
    let expressionPlan: CyclePlan | null = planCycle(withExpressions, clock);
    const fromExpression = expressionPlan.presets.filter((preset) => preset.state.targetSource === "expression").length;
    if (expressionPlan.invalid.length > 0 || fromExpression === 0) throw new Error("the expressions were not used");
    const expressionNote = `${summarize(expressionPlan)}; ${fromExpression} desired counts from an expression`;
    expressionPlan = null;
    const expressionTiming = await time(`expressions ${presets}`, () => planCycle(withExpressions, clock), runOptions);
    const paired = pairedRatio(() => planCycle(snapshot, clock), () => planCycle(withExpressions, clock), presets >= 10_000 ? 31 : 101);
    results.push({ case: "expressions", shape, timing: expressionTiming, heap: heapAround(() => planCycle(withExpressions, clock)), sampled: 1, note: expressionNote, pairedRatio: paired });
    log(`  expressions ${expressionTiming.medianMs.toFixed(2)} ms median (${expressionTiming.samples} samples); ${paired.toFixed(2)}× planCycle, median of paired calls`);
  }

  if (options.naive) {
    const stride = presets >= 10_000 ? options.naiveStride : 1;
    const target = stride === 1 ? snapshot : everyNth(snapshot, stride);
    // The reference must decide exactly what planCycle decides, or the comparison means nothing.
    if (planActions !== null && JSON.stringify(naivePlan(snapshot, clock)) !== planActions) throw new Error("the naive planner and planCycle disagree");
    const naiveTiming = await time(`naive ${presets}`, () => naivePlan(target, clock), NAIVE_OPTIONS[presets] ?? NAIVE_OPTIONS[10_000]!);
    const scaled: Timing = { ...naiveTiming, medianMs: naiveTiming.medianMs * stride, meanMs: naiveTiming.meanMs * stride, minMs: naiveTiming.minMs * stride, opsPerSec: naiveTiming.opsPerSec / stride };
    const note = stride === 1 ? "filter every list per preset, then calculateActions" : `timed on every ${stride}th preset (${target.presets.length.toLocaleString("en-US")}) over all rows, × ${stride}`;
    results.push({ case: "naive", shape, timing: scaled, heap: stride === 1 ? heapAround(() => naivePlan(snapshot, clock)) : null, sampled: 1 / stride, note });
    log(`  naive      ${scaled.medianMs.toFixed(0)} ms median${stride === 1 ? "" : ` (extrapolated from 1/${stride} of the presets)`} (${naiveTiming.samples} samples)`);
  }
  return results;
}
