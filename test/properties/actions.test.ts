/**
 * Properties of calculateActions / calculateState / canSkipReconciliation (SPEC §4, §5):
 * convergence, safety of deletions, inactive presets, skipping, purity and idempotence, plus a
 * reference model of the decision rules.
 */

import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  calculateActions,
  calculateState,
  canSkipReconciliation,
  nextChangeAt,
  type PresetSnapshot,
  type ReconciliationAction,
  type RunningPrebuild,
} from "../../src/index.js";
import { type Case, caseArb } from "./arbitraries.js";
import {
  applyActions,
  clockAt,
  createCount,
  decisions,
  type Decision,
  deepFreeze,
  deletedIds,
  isActive,
  isExpiredAt,
  oracleDesired,
  shuffled,
} from "./oracle.js";

// Property runs take seconds; on a loaded 2-core machine the 5 s default is too tight.
vi.setConfig({ testTimeout: 60_000 });

const RUNS = 1000;

const ACTIVE = { usingActiveVersion: true, templateDeleted: false, templateDeprecated: false } as const;

function withPreset(c: Case, patch: Partial<PresetSnapshot["preset"]>): Case {
  return { ...c, snapshot: { ...c.snapshot, preset: { ...c.snapshot.preset, ...patch } } };
}

/** Cases of active presets only. */
const activeCaseArb = caseArb().map((c) => withPreset(c, ACTIVE));

/** Cases of inactive presets only (one of the three reasons, or several). */
const inactiveCaseArb = fc
  .tuple(caseArb(), fc.integer({ min: 1, max: 7 }))
  .map(([c, bits]) =>
    withPreset(c, { usingActiveVersion: (bits & 1) === 0, templateDeleted: (bits & 2) !== 0, templateDeprecated: (bits & 4) !== 0 }),
  );

function byOldest(left: RunningPrebuild, right: RunningPrebuild): number {
  const byTime = left.createdAt.getTime() - right.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}

function bySurplusRank(left: RunningPrebuild, right: RunningPrebuild): number {
  return Number(left.ready) - Number(right.ready) || byOldest(left, right);
}

function act(c: Case): readonly ReconciliationAction[] {
  return calculateActions(c.snapshot, clockAt(c.nowMs), c.policy);
}

function split(c: Case): { unexpired: RunningPrebuild[]; expired: RunningPrebuild[] } {
  const { preset, running } = c.snapshot;
  return {
    unexpired: running.filter((prebuild) => !isExpiredAt(preset, prebuild, c.nowMs)),
    expired: running.filter((prebuild) => isExpiredAt(preset, prebuild, c.nowMs)),
  };
}

/** The decisions SPEC §5 prescribes, computed from the oracles of this folder. */
function modelDecisions(c: Case): Decision[] {
  const { snapshot, nowMs } = c;
  const { preset } = snapshot;
  const out: Decision[] = [];
  if (!isActive(preset)) {
    if (snapshot.pendingNonActive > 0) out.push({ type: "cancelPending", count: snapshot.pendingNonActive });
    if (snapshot.running.length > 0) out.push({ type: "delete", workspaceIds: [...snapshot.running].sort(byOldest).map((p) => p.id) });
    return out;
  }
  const { unexpired, expired } = split(c);
  const desired = oracleDesired(preset, nowMs);
  if (expired.length > 0) out.push({ type: "delete", workspaceIds: [...expired].sort(byOldest).map((p) => p.id) });
  const surplus = Math.max(unexpired.length - desired, 0);
  if (surplus > 0) out.push({ type: "delete", workspaceIds: [...unexpired].sort(bySurplusRank).slice(0, surplus).map((p) => p.id) });
  const toCreate = Math.max(desired - unexpired.length - snapshot.inProgress.start, 0);
  if (toCreate > 0 && !snapshot.hardLimited) {
    const backoff = snapshot.backoff;
    const until = backoff !== null && backoff.failedBuilds > 0 ? backoff.lastBuildAt.getTime() + backoff.failedBuilds * (c.policy?.backoffIntervalMs ?? 60_000) : null;
    out.push(until !== null && nowMs <= until ? { type: "backoff", until } : { type: "create", count: toCreate });
  }
  return out;
}

describe("calculateActions: reference model (SPEC §5)", () => {
  it("decisions (types, counts, ids in order, until) equal the model of SPEC §5", () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        expect(decisions(act(c))).toEqual(modelDecisions(c));
      }),
      { numRuns: RUNS },
    );
  });

  it("calculateState agrees with the model of SPEC §4", () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        const { snapshot, nowMs } = c;
        const { unexpired, expired } = split(c);
        const active = isActive(snapshot.preset);
        const desired = active ? oracleDesired(snapshot.preset, nowMs) : 0;
        expect(calculateState(snapshot, clockAt(nowMs), c.policy)).toEqual({
          actual: snapshot.running.length,
          desired,
          eligible: active ? unexpired.filter((p) => p.ready).length : 0,
          extraneous: active ? Math.max(unexpired.length - desired, 0) : 0,
          expired: expired.length,
          starting: snapshot.inProgress.start,
          stopping: snapshot.inProgress.stop,
          deleting: snapshot.inProgress.delete,
          // Without a target expression the desired count is the scheduled one (SPEC §11).
          scheduledTarget: desired,
          targetSource: "scheduled",
          expressionError: null,
        });
      }),
      { numRuns: RUNS },
    );
  });
});

describe("property 1: convergence of active presets", () => {
  /*
   * Invariant (SPEC §5.2–5.4). Let R = unexpired running prebuilds at now, d = desired at now,
   * s = inProgress.start. Apply the actions (deleted ids vanish, each created instance becomes a
   * fresh ready prebuild created at now). Then:
   *   - no prebuild that was expired at now is left;
   *   - if the preset is neither hard-limited nor in backoff (no backoff action), the unexpired
   *     running count U' is exactly max(min(|R|, d), d - s); hence U' <= d and U' + s >= d, and
   *     U' + s == d whenever |R| + s <= d (toCreate = max(d - |R| - s, 0), surplus = max(|R| - d, 0));
   *   - if it is hard-limited or in backoff, U' == min(|R|, d) (surplus still goes, nothing created).
   * A fresh prebuild created at now is itself expired when lastInvalidatedAt > now (created strictly
   * before it), so those cases are checked with the created instances counted as expired.
   */
  it("after applying the actions, unexpired running + starting reaches desired exactly", () => {
    let unblocked = 0;
    fc.assert(
      fc.property(activeCaseArb, (c) => {
        const { snapshot, nowMs } = c;
        const actions = act(c);
        const { unexpired, expired } = split(c);
        const d = oracleDesired(snapshot.preset, nowMs);
        const s = snapshot.inProgress.start;
        const after = applyActions(snapshot, actions, nowMs);
        const expiredIds = new Set(expired.map((p) => p.id));
        expect(after.running.filter((p) => expiredIds.has(p.id))).toEqual([]);

        const invalidatedAt = snapshot.preset.lastInvalidatedAt;
        const bornExpired = invalidatedAt instanceof Date && invalidatedAt.getTime() > nowMs;
        const unexpiredAfter = after.running.filter((p) => !isExpiredAt(snapshot.preset, p, nowMs)).length;
        const blocked = snapshot.hardLimited || actions.some((a) => a.type === "backoff");
        const created = createCount(actions);
        if (blocked) {
          expect(created).toBe(0);
          expect(unexpiredAfter).toBe(Math.min(unexpired.length, d));
        } else if (bornExpired) {
          expect(unexpired.length).toBe(0);
          expect(created).toBe(Math.max(d - s, 0));
          expect(unexpiredAfter).toBe(0);
        } else {
          unblocked += 1;
          expect(unexpiredAfter).toBe(Math.max(Math.min(unexpired.length, d), d - s));
          expect(unexpiredAfter).toBeLessThanOrEqual(Math.max(d, 0));
          expect(unexpiredAfter + s).toBeGreaterThanOrEqual(d);
          if (unexpired.length + s <= d) expect(unexpiredAfter + s).toBe(d);
        }
      }),
      { numRuns: RUNS },
    );
    expect(unblocked).toBeGreaterThan(RUNS / 4);
  });
});

describe("property 2: deletions are safe; creates are positive", () => {
  it("never deletes more than running, only own running ids, none twice; counts > 0; SPEC order", () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        const actions = act(c);
        const ids = deletedIds(actions);
        const runningIds = new Set(c.snapshot.running.map((p) => p.id));
        expect(ids.length).toBeLessThanOrEqual(c.snapshot.running.length);
        for (const id of ids) expect(runningIds.has(id)).toBe(true);
        expect(new Set(ids).size).toBe(ids.length);
        for (const action of actions) {
          if (action.type === "create" || action.type === "cancelPending") {
            expect(Number.isInteger(action.count)).toBe(true);
            expect(action.count).toBeGreaterThan(0);
          }
          if (action.type === "delete") expect(action.workspaceIds.length).toBeGreaterThan(0);
          expect(typeof action.reason).toBe("string");
          expect(action.reason.length).toBeGreaterThan(0);
        }
        // Order: cancelPending, delete(s), then at most one create or backoff, last.
        const rank = { cancelPending: 0, delete: 1, create: 2, backoff: 2 } as const;
        const ranks = actions.map((a) => rank[a.type]);
        expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
        expect(actions.filter((a) => a.type === "create" || a.type === "backoff").length).toBeLessThanOrEqual(1);
        expect(actions.filter((a) => a.type === "cancelPending").length).toBeLessThanOrEqual(1);
      }),
      { numRuns: RUNS },
    );
  });

  it("surplus deletion takes not-ready before ready, then oldest, then smallest id", () => {
    fc.assert(
      fc.property(activeCaseArb, (c) => {
        const { unexpired } = split(c);
        const gone = new Set(deletedIds(act(c)));
        const deleted = unexpired.filter((p) => gone.has(p.id));
        const kept = unexpired.filter((p) => !gone.has(p.id));
        for (const d of deleted) for (const k of kept) expect(bySurplusRank(d, k)).toBeLessThan(0);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("property 3: inactive presets", () => {
  it("end with zero running, never create or back off, cancel exactly the pending creates", () => {
    fc.assert(
      fc.property(inactiveCaseArb, (c) => {
        const actions = act(c);
        expect(actions.some((a) => a.type === "create" || a.type === "backoff")).toBe(false);
        const after = applyActions(c.snapshot, actions, c.nowMs);
        expect(after.running).toEqual([]);
        expect(after.pendingNonActive).toBe(0);
        const cancel = actions.filter((a) => a.type === "cancelPending");
        expect(cancel.length).toBe(c.snapshot.pendingNonActive > 0 ? 1 : 0);
        const state = calculateState(c.snapshot, clockAt(c.nowMs), c.policy);
        expect([state.desired, state.eligible, state.extraneous]).toEqual([0, 0, 0]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("property 4: canSkipReconciliation", () => {
  const skippableArb = fc
    .tuple(caseArb(), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean())
    .map(([c, inactive, noRunning, noPending, noBackoff]): Case => {
      const base = inactive ? withPreset(c, { templateDeleted: true }) : c;
      return {
        ...base,
        snapshot: {
          ...base.snapshot,
          running: noRunning ? [] : base.snapshot.running,
          pendingNonActive: noPending ? 0 : base.snapshot.pendingNonActive,
          backoff: noBackoff ? null : base.snapshot.backoff,
        },
      };
    });

  it("is exactly 'inactive, nothing running, nothing pending, no backoff', and then there are no actions", () => {
    let skipped = 0;
    fc.assert(
      fc.property(skippableArb, (c) => {
        const { snapshot } = c;
        const skip = canSkipReconciliation(snapshot, clockAt(c.nowMs));
        const expected =
          !isActive(snapshot.preset) && snapshot.running.length === 0 && snapshot.pendingNonActive === 0 && snapshot.backoff === null;
        expect(skip).toBe(expected);
        expect(canSkipReconciliation(snapshot)).toBe(skip);
        if (skip) {
          skipped += 1;
          expect(act(c)).toEqual([]);
        }
      }),
      { numRuns: RUNS },
    );
    expect(skipped).toBeGreaterThan(RUNS / 50);
  });
});

describe("property 5: purity", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("works on deep-frozen input, leaves it unchanged, and is deterministic", () => {
    fc.assert(
      fc.property(caseArb(), fc.integer(), (c, seed) => {
        const pristine = structuredClone(c.snapshot);
        const frozen = deepFreeze(structuredClone(c.snapshot));
        const clock = deepFreeze(clockAt(c.nowMs));
        const policy = deepFreeze(c.policy === undefined ? undefined : { ...c.policy });
        const first = calculateActions(frozen, clock, policy);
        const second = calculateActions(frozen, clock, policy);
        expect(second).toEqual(first);
        expect(calculateActions(c.snapshot, clock, c.policy)).toEqual(first);
        expect(c.snapshot).toEqual(pristine);
        expect(frozen).toEqual(pristine);
        // Dates in the input keep their time (a frozen Date can still be mutated through setTime).
        c.snapshot.running.forEach((p, i) => expect(p.createdAt.getTime()).toBe(pristine.running[i]?.createdAt.getTime()));
        expect(() => calculateState(frozen, clock, c.policy)).not.toThrow();
        expect(() => nextChangeAt(frozen, clock, c.policy)).not.toThrow();
        expect(() => canSkipReconciliation(frozen, clock)).not.toThrow();
        // The order of `running` does not matter, reasons included.
        const reordered: PresetSnapshot = { ...c.snapshot, running: shuffled(c.snapshot.running, seed) };
        expect(calculateActions(reordered, clock, c.policy)).toEqual(first);
        expect(calculateState(reordered, clock, c.policy)).toEqual(calculateState(frozen, clock, c.policy));
      }),
      { numRuns: RUNS },
    );
  });

  it("never reads the real time: the same answer whatever the system clock says", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    fc.assert(
      fc.property(caseArb(), fc.integer({ min: 0, max: 4e12 }), (c, realNow) => {
        const clock = clockAt(c.nowMs);
        vi.setSystemTime(c.nowMs);
        const atNow = calculateActions(c.snapshot, clock, c.policy);
        const nextAtNow = nextChangeAt(c.snapshot, clock, c.policy);
        vi.setSystemTime(realNow);
        expect(calculateActions(c.snapshot, clock, c.policy)).toEqual(atNow);
        expect(nextChangeAt(c.snapshot, clock, c.policy)).toEqual(nextAtNow);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("property 6: idempotence", () => {
  it("applying the actions and recomputing at the same instant yields no further create or delete", () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        const invalidatedAt = c.snapshot.preset.lastInvalidatedAt;
        // A future invalidation makes every fresh prebuild expired at birth; not a steady state.
        fc.pre(!(invalidatedAt instanceof Date && invalidatedAt.getTime() > c.nowMs));
        const actions = act(c);
        const after = applyActions(c.snapshot, actions, c.nowMs);
        const again = calculateActions(after, clockAt(c.nowMs), c.policy);
        expect(again.filter((a) => a.type === "create" || a.type === "delete")).toEqual([]);
        if (!isActive(c.snapshot.preset)) expect(again).toEqual([]);
        else {
          // Only a backoff can repeat, and only if it was there before.
          expect(decisions(again)).toEqual(decisions(actions).filter((d) => d.type === "backoff"));
        }
      }),
      { numRuns: RUNS },
    );
  });
});
