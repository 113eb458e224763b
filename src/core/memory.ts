/**
 * What the runtime remembers between cycles (SPEC §11, §12), as pure transitions: how much of it
 * still holds at a new snapshot, and what to remember after a plan and after its execution.
 */

import { addMs } from "./instant.js";
import { compareIds, sortedCopy } from "./ordering.js";
import type { ResolvedPolicy } from "./policy.js";
import type { Backoff, DesiredSample, ExpectedCreates, ExpectedDelete, PresetMemory, RunningPrebuild } from "./types/index.js";

/** The memory of a preset the runtime knows nothing about. */
export const EMPTY_MEMORY: PresetMemory = Object.freeze({
  expectedCreates: null,
  expectedDeletes: Object.freeze([]),
  desiredPeaks: Object.freeze([]),
  createWindow: 1,
  createWindowUsed: false,
});

/** The slow-start window never grows past this. */
export const MAX_CREATE_WINDOW = 1024;

/** What of the memory still holds at a snapshot. */
export interface SettledMemory {
  /** Creates asked for that the snapshot does not show yet. */
  readonly pendingCreates: number;
  /** Of `pendingCreates`, those asked for by calls before the latest one. */
  readonly pendingFromEarlierCalls: number;
  /** Running prebuilds the runtime asked to delete (they count as deleting, not running). */
  readonly pendingDeletes: ReadonlySet<string>;
  /** Peaks still inside the stabilization window. */
  readonly desiredPeaks: readonly DesiredSample[];
}

/**
 * How many of the creates asked for the snapshot does not show yet. A create that becomes visible
 * raises `inProgress.start` above its baseline, or appears as a running prebuild that was not
 * running then (it became visible and finished between two snapshots); a build that was already
 * starting and finishes lowers the one as it raises the other, so the two are counted together.
 *
 * A provisioner returns once all of a call's builds are queued, so a store that shows one of them
 * has caught up with the call: the latest call's creates count as shown at the first sign, even if
 * some of its prebuilds were claimed, deleted or failed before this replica looked; a failed build
 * recorded since the call is such a sign too (builds that all failed show up nowhere else). But the signs
 * go to the earlier calls' creates first, one by one: a store that lags shows the builds of an
 * earlier call before those of a later one, and these must not stand for the later call's.
 * Until they show, or the expectation expires, creates count as starting: the cautious side, since
 * a create counted as starting can only delay a create, never add one.
 */
function pendingCreates(expected: ExpectedCreates | null, starting: number, running: readonly RunningPrebuild[], backoff: Backoff | null, nowMs: number): { total: number; fromEarlierCalls: number } {
  if (expected === null || nowMs > expected.expiresAt.getTime()) return { total: 0, fromEarlierCalls: 0 };
  if (backoff !== null && backoff.failedBuilds > 0 && backoff.lastBuildAt.getTime() >= expected.askedAt.getTime()) return { total: 0, fromEarlierCalls: 0 };
  const known = new Set(expected.runningBaseline);
  let appeared = starting - expected.startingBaseline;
  for (const prebuild of running) if (!known.has(prebuild.id)) appeared += 1;
  const earlier = Math.min(expected.fromEarlierCalls, expected.count);
  const earlierLeft = Math.max(0, earlier - Math.max(0, appeared));
  const latestLeft = appeared > earlier ? 0 : expected.count - earlier;
  return { total: earlierLeft + latestLeft, fromEarlierCalls: earlierLeft };
}

/** The memory at a new snapshot: expectations met or expired are dropped, old peaks leave the window. */
const NOTHING_PENDING: SettledMemory = Object.freeze({ pendingCreates: 0, pendingFromEarlierCalls: 0, pendingDeletes: new Set<string>(), desiredPeaks: Object.freeze([]) });

export function settleMemory(memory: PresetMemory, starting: number, running: readonly RunningPrebuild[], backoff: Backoff | null, nowMs: number, policy: ResolvedPolicy): SettledMemory {
  // Most presets of most cycles remember nothing: no allocation for them.
  if (memory.expectedCreates === null && memory.expectedDeletes.length === 0 && memory.desiredPeaks.length === 0) return NOTHING_PENDING;
  let pendingDeletes: Set<string> = NOTHING_PENDING.pendingDeletes as Set<string>;
  if (memory.expectedDeletes.length > 0) {
    const runningIds = new Set<string>();
    for (const prebuild of running) runningIds.add(prebuild.id);
    pendingDeletes = new Set<string>();
    for (const expected of memory.expectedDeletes) {
      if (nowMs <= expected.expiresAt.getTime() && runningIds.has(expected.workspaceId)) pendingDeletes.add(expected.workspaceId);
    }
  }
  const windowStart = nowMs - policy.scaleDownStabilizationMs;
  const creates = pendingCreates(memory.expectedCreates, starting, running, backoff, nowMs);
  return {
    pendingCreates: creates.total,
    pendingFromEarlierCalls: creates.fromEarlierCalls,
    pendingDeletes,
    desiredPeaks: policy.scaleDownStabilizationMs === 0 ? [] : memory.desiredPeaks.filter((peak) => peak.at.getTime() > windowStart),
  };
}

/** The largest desired count among the peaks and `desired`. */
export function stabilizedTarget(peaks: readonly DesiredSample[], desired: number): number {
  // Peaks are kept in decreasing order: the first one is the largest.
  return Math.max(desired, peaks[0]?.desired ?? 0);
}

/** What a plan needs to compute the next memory of one preset. */
export interface MemoryStep {
  readonly memory: PresetMemory;
  readonly settled: SettledMemory;
  readonly nowMs: number;
  readonly starting: number;
  readonly running: readonly RunningPrebuild[];
  readonly desired: number;
  readonly created: number;
  readonly deleted: readonly string[];
  /** The slow-start window this plan used ({@link currentWindow}). */
  readonly window: number;
}

/** The memory after a plan, assuming every action succeeds (see {@link afterExecution}). */
export function nextMemory(step: MemoryStep, policy: ResolvedPolicy): PresetMemory {
  const { memory, settled, nowMs } = step;
  // Nothing asked for, nothing pending, no stabilization, no slow start: nothing to remember.
  if (step.created === 0 && step.deleted.length === 0 && settled === NOTHING_PENDING && policy.scaleDownStabilizationMs === 0 && !policy.slowStart) return EMPTY_MEMORY;
  const expiresAt = new Date(addMs(nowMs, policy.expectationTtlMs));
  let expectedCreates: ExpectedCreates | null = null;
  const count = settled.pendingCreates + step.created;
  if (count > 0) {
    // A fresh baseline from this snapshot, so that what showed up now is not counted again; what
    // is still pending is carried over in the count. A new call makes everything still pending
    // "earlier", and restarts the expiry. Sorted, so that the memory does not depend on the order
    // of the snapshot's rows.
    const runningBaseline = sortedCopy(step.running.map((prebuild) => prebuild.id), compareIds);
    const newCall = step.created > 0 || memory.expectedCreates === null;
    const previous = newCall ? null : memory.expectedCreates;
    expectedCreates = {
      count,
      fromEarlierCalls: newCall ? settled.pendingCreates : settled.pendingFromEarlierCalls,
      startingBaseline: step.starting,
      runningBaseline,
      askedAt: previous === null ? new Date(nowMs) : previous.askedAt,
      expiresAt: previous === null ? expiresAt : previous.expiresAt,
    };
  }
  return {
    expectedCreates,
    expectedDeletes: nextExpectedDeletes(memory, settled, step.deleted, expiresAt),
    desiredPeaks: policy.scaleDownStabilizationMs === 0 ? EMPTY_MEMORY.desiredPeaks : [...settled.desiredPeaks.filter((peak) => peak.desired > step.desired), { at: new Date(nowMs), desired: step.desired }],
    createWindow: policy.slowStart ? step.window : 1,
    createWindowUsed: policy.slowStart && createWindowUsed(memory, step),
  };
}

/** The deletes still pending, then those of this plan; the shared empty list when there are none. */
function nextExpectedDeletes(memory: PresetMemory, settled: SettledMemory, deleted: readonly string[], expiresAt: Date): readonly ExpectedDelete[] {
  if (settled.pendingDeletes.size === 0 && deleted.length === 0) return EMPTY_MEMORY.expectedDeletes;
  const expectedDeletes: ExpectedDelete[] = memory.expectedDeletes.filter((expected) => settled.pendingDeletes.has(expected.workspaceId));
  for (const workspaceId of deleted) expectedDeletes.push({ workspaceId, expiresAt });
  return expectedDeletes;
}

/** Slow start: whether a round of creates is under way in the window the plan used. */
function createWindowUsed(memory: PresetMemory, step: MemoryStep): boolean {
  // A window that changed (grown or reset) starts a new round.
  const roundUnderWay = step.window === memory.createWindow && memory.createWindowUsed;
  return roundUnderWay || step.created > 0;
}

/**
 * The slow-start window at a snapshot, like TCP's: back to one while creates fail, doubled once a
 * round of creates made in the window has landed (nothing is starting any more), otherwise as it was.
 */
export function currentWindow(memory: PresetMemory, starting: number, failing: boolean): number {
  if (failing) return 1;
  if (memory.createWindowUsed && starting === 0) return Math.min(memory.createWindow * 2, MAX_CREATE_WINDOW);
  return memory.createWindow;
}

/**
 * The memory to keep when another replica held the lock since this one last looked: what this one
 * asked for may have been seen, claimed or undone by the other, so its expectations no longer hold.
 *
 * @example
 * if (!stats.lockAcquired) memory = forgetExpectations(memory);
 */
export function forgetExpectations(memory: PresetMemory): PresetMemory {
  if (memory.expectedCreates === null && memory.expectedDeletes.length === 0) return memory;
  return { ...memory, expectedCreates: null, expectedDeletes: [] };
}

/** What happened when the runtime carried a preset's plan out. */
export interface ExecutionOutcome {
  /** Creates the plan asked for that were not made (the call failed). */
  readonly createsNotMade: number;
  /** Workspaces the plan asked to delete whose delete failed. */
  readonly deletesNotMade: readonly string[];
}

/**
 * The memory to keep after execution: creates and deletes that failed are not expected to appear.
 * Also for a call that was abandoned (its deadline passed, the lock was lost) and rejected later:
 * the port said it did nothing, so nothing is to be expected of it.
 *
 * @example
 * const kept = afterExecution(plan.memory, { createsNotMade: failed ? count : 0, deletesNotMade: [] });
 */
export function afterExecution(memory: PresetMemory, outcome: ExecutionOutcome): PresetMemory {
  if (outcome.createsNotMade === 0 && outcome.deletesNotMade.length === 0) return memory;
  const expected = memory.expectedCreates;
  // The creates not made are the latest call's: the earlier calls' stay expected.
  const remaining = expected === null ? 0 : Math.max(expected.count - outcome.createsNotMade, Math.min(expected.fromEarlierCalls, expected.count));
  const notMade = new Set(outcome.deletesNotMade);
  return {
    ...memory,
    // What is still hidden from earlier calls can only be as much as is left.
    expectedCreates: expected === null || remaining <= 0 ? null : { ...expected, count: remaining, fromEarlierCalls: Math.min(expected.fromEarlierCalls, remaining) },
    expectedDeletes: memory.expectedDeletes.filter((expected) => !notMade.has(expected.workspaceId)),
  };
}
