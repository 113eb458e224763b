import { describe, expect, it } from "vitest";
import {
  afterExecution,
  EMPTY_MEMORY,
  planCycle,
  type PresetMemory,
  type PresetPlan,
  type ReconcilePolicy,
  type RunningPrebuild,
} from "../../src/index.js";
import { clockAt, emptyGlobal, makePrebuild, makePreset, NOW } from "../fixtures.js";

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const agoIso = (ms: number) => at(-ms).toISOString();
const prebuild = (id: string, ready = true) => makePrebuild(id, agoIso(HOUR), ready, "a");

interface World {
  readonly desired?: number;
  readonly running?: readonly RunningPrebuild[];
  readonly start?: number;
  readonly memory?: PresetMemory | null;
}

/** One cycle of preset "a" at `now`, as the runtime would run it with its memory. */
function cycle(now: Date, world: World, policy?: Partial<ReconcilePolicy>): PresetPlan {
  const plan = planCycle(
    emptyGlobal({
      presets: [makePreset({ id: "a", name: "a", desiredInstances: world.desired ?? 3 })],
      running: world.running ?? [],
      inProgress: world.start ? [{ presetId: "a", transition: "start", count: world.start }] : [],
      ...(world.memory ? { memory: [{ presetId: "a", ...world.memory }] } : {}),
    }),
    clockAt(now),
    policy,
  );
  expect(plan.invalid).toEqual([]);
  expect(plan.presets).toHaveLength(1);
  return plan.presets[0] as PresetPlan;
}

interface Expecting {
  readonly startingBaseline?: number;
  readonly runningBaseline?: string[];
  readonly fromEarlierCalls?: number;
  /** Default: a minute (the default expectation TTL) before `expiresAt`. */
  readonly askedAt?: Date;
}

const expecting = (count: number, expiresAt: Date, baseline: Expecting = {}): PresetMemory => ({
  ...EMPTY_MEMORY,
  expectedCreates: {
    count,
    fromEarlierCalls: baseline.fromEarlierCalls ?? 0,
    startingBaseline: baseline.startingBaseline ?? 0,
    runningBaseline: baseline.runningBaseline ?? [],
    askedAt: baseline.askedAt ?? new Date(expiresAt.getTime() - MINUTE),
    expiresAt,
  },
});
const STATE = { actual: 0, desired: 3, eligible: 0, extraneous: 0, expired: 0, starting: 0, stopping: 0, deleting: 0, scheduledTarget: 3, targetSource: "scheduled", expressionError: null } as const;

describe("expectations — creates asked for", () => {
  it("remembers the creates of a plan, expiring a minute later by default", () => {
    const plan = cycle(NOW, {});
    expect(plan.actions).toEqual([{ type: "create", count: 3, reason: "desired 3 (base count), 0 running, 0 starting: create 3" }]);
    expect(plan.memory).toEqual(expecting(3, at(MINUTE)));
  });

  it("counts them as starting while the snapshot shows nothing of them, and wakes up when they expire", () => {
    const plan = cycle(at(10 * SECOND), { memory: expecting(3, at(MINUTE)) });
    expect(plan.actions).toEqual([]);
    expect(plan.state).toEqual({ ...STATE, starting: 3 });
    expect(plan.memory).toEqual(expecting(3, at(MINUTE)));
    expect(plan.nextChangeAt).toEqual(at(MINUTE + 1));
  });

  it("says so in the reason of a further create, and makes them an earlier call's", () => {
    const plan = cycle(at(10 * SECOND), { desired: 5, memory: expecting(3, at(MINUTE)) });
    expect(plan.actions).toEqual([{ type: "create", count: 2, reason: "desired 5 (base count), 0 running, 3 starting (3 asked for, not visible yet): create 2" }]);
    // The new creates restart the expiry; the three still hidden are carried over as an earlier call's.
    expect(plan.memory).toEqual(expecting(5, at(10 * SECOND + MINUTE), { fromEarlierCalls: 3 }));
  });

  it("takes a call as shown at its first sign: a rise of inProgress.start", () => {
    const plan = cycle(at(10 * SECOND), { start: 1, memory: expecting(3, at(MINUTE)) });
    // The store shows one build of the call, so it has caught up with the call: the others were
    // claimed, deleted or failed before this replica looked.
    expect(plan.state).toEqual({ ...STATE, starting: 1 });
    expect(plan.actions).toEqual([{ type: "create", count: 2, reason: "desired 3 (base count), 0 running, 1 starting: create 2" }]);
    expect(plan.memory).toEqual(expecting(2, at(10 * SECOND + MINUTE), { startingBaseline: 1 }));
  });

  it("takes a call as shown at its first sign: a new running prebuild", () => {
    const plan = cycle(at(10 * SECOND), { running: [prebuild("n1"), prebuild("old")], memory: expecting(3, at(MINUTE), { runningBaseline: ["old"] }) });
    expect(plan.state).toEqual({ ...STATE, actual: 2, eligible: 2 });
    expect(plan.actions.map((action) => action.type === "create" && action.count)).toEqual([1]);
  });

  it("forgets them once they have shown up", () => {
    const plan = cycle(at(10 * SECOND), { running: [prebuild("n1")], start: 2, memory: expecting(3, at(MINUTE)) });
    expect(plan.state).toEqual({ ...STATE, actual: 1, eligible: 1, starting: 2 });
    expect(plan.memory).toEqual(EMPTY_MEMORY);
    expect(plan.nextChangeAt).toBeNull();
  });

  it("does not take a build that was already starting and finished for one of them", () => {
    // Baseline: 1 starting (not ours). Now it runs as "old-build": one fewer starting, one more running.
    const plan = cycle(at(10 * SECOND), { desired: 4, running: [prebuild("old-build")], memory: expecting(3, at(MINUTE), { startingBaseline: 1 }) });
    expect(plan.state.starting).toBe(3);
    expect(plan.actions).toEqual([]);
    expect(plan.memory).toEqual(expecting(3, at(MINUTE), { runningBaseline: ["old-build"] }));
  });

  it("does not let the creates of an earlier call that show up stand for those of a later one", () => {
    // Cycle 1 asked for 2, cycle 2 for 2 more; the store (lagging) now shows the first 2 only.
    const memory = expecting(4, at(10 * SECOND + MINUTE), { fromEarlierCalls: 2 });
    const plan = cycle(at(20 * SECOND), { desired: 4, running: [prebuild("n1"), prebuild("n2")], memory });
    expect(plan.actions).toEqual([]);
    expect(plan.state.starting).toBe(2);
    expect(plan.memory).toEqual(expecting(2, at(10 * SECOND + MINUTE), { runningBaseline: ["n1", "n2"] }));
    // One more build beyond the earlier call's: the store has caught up with the later call too.
    const caughtUp = cycle(at(20 * SECOND), { desired: 4, running: [prebuild("n1"), prebuild("n2"), prebuild("n3")], memory });
    expect(caughtUp.state.starting).toBe(0);
    expect(caughtUp.actions.map((action) => action.type === "create" && action.count)).toEqual([1]);
    expect(caughtUp.memory).toEqual(expecting(1, at(20 * SECOND + MINUTE), { runningBaseline: ["n1", "n2", "n3"] }));
  });

  it("counts an earlier call's creates one by one", () => {
    const memory = expecting(5, at(MINUTE), { fromEarlierCalls: 3 });
    const plan = cycle(at(20 * SECOND), { desired: 5, start: 1, memory });
    expect(plan.state.starting).toBe(1 + 4);
    expect(plan.memory).toEqual(expecting(4, at(MINUTE), { fromEarlierCalls: 2, startingBaseline: 1 }));
  });

  it("takes a failed build recorded since the call as its sign: builds that all failed show up nowhere else", () => {
    const memory = expecting(3, at(MINUTE));
    const failedSince = planCycle(
      emptyGlobal({ presets: [makePreset({ id: "a", desiredInstances: 3 })], backoffs: [{ presetId: "a", failedBuilds: 3, lastBuildAt: NOW }], memory: [{ presetId: "a", ...memory }] }),
      clockAt(at(30 * SECOND)),
    ).presets[0];
    expect(failedSince?.state.starting).toBe(0);
    expect(failedSince?.actions).toEqual([
      {
        type: "backoff",
        until: at(3 * MINUTE),
        reason: "desired 3 (base count), 0 running, 0 starting, but 3 recent creates failed: back off until 2025-06-02T10:03:00.000Z instead of creating 3",
      },
    ]);
    expect(failedSince?.memory).toEqual(EMPTY_MEMORY);
    // A failure from before the call says nothing about it.
    const failedBefore = planCycle(
      emptyGlobal({ presets: [makePreset({ id: "a", desiredInstances: 3 })], backoffs: [{ presetId: "a", failedBuilds: 1, lastBuildAt: at(-1) }], memory: [{ presetId: "a", ...memory }] }),
      clockAt(at(30 * SECOND)),
    ).presets[0];
    expect(failedBefore?.state.starting).toBe(3);
    expect(failedBefore?.actions).toEqual([]);
  });

  it("drops them when they expire: still counted at the expiry, not a millisecond after", () => {
    const memory = expecting(3, at(MINUTE));
    expect(cycle(at(MINUTE), { memory }).actions).toEqual([]);
    const expired = cycle(at(MINUTE + 1), { memory });
    expect(expired.actions).toEqual([{ type: "create", count: 3, reason: "desired 3 (base count), 0 running, 0 starting: create 3" }]);
    expect(expired.memory).toEqual(expecting(3, at(2 * MINUTE + 1)));
  });

  it("takes the expiry from expectationTtlMs", () => {
    expect(cycle(NOW, {}, { expectationTtlMs: 5 * SECOND }).memory).toEqual(expecting(3, at(5 * SECOND), { askedAt: NOW }));
    expect(cycle(NOW, {}, { expectationTtlMs: 0 }).memory).toEqual(expecting(3, NOW, { askedAt: NOW }));
  });

  it("refuses memory that says more creates came from earlier calls than are expected", () => {
    const plan = planCycle(
      emptyGlobal({ presets: [makePreset({ id: "a" })], memory: [{ presetId: "a", ...expecting(2, at(MINUTE), { fromEarlierCalls: 3 }) }] }),
      clockAt(NOW),
    );
    expect(plan.invalid.map(({ error }) => error.issues)).toEqual([[{ path: "memory[0].expectedCreates", message: "fromEarlierCalls must not be larger than count" }]]);
  });
});

describe("expectations — deletes asked for", () => {
  const four = [prebuild("w1"), prebuild("w2"), prebuild("w3"), prebuild("w4")];
  const deleting = (ids: string[], expiresAt: Date): PresetMemory => ({ ...EMPTY_MEMORY, expectedDeletes: ids.map((workspaceId) => ({ workspaceId, expiresAt })) });

  it("remembers the deletes of a plan", () => {
    const plan = cycle(NOW, { desired: 2, running: four });
    expect(plan.actions).toEqual([
      { type: "delete", workspaceIds: ["w1", "w2"], reason: "desired 2 (base count), 4 unexpired running: delete 2 surplus, not-ready first, then oldest" },
    ]);
    expect(plan.memory).toEqual(deleting(["w1", "w2"], at(MINUTE)));
  });

  it("neither deletes them again nor counts them as running while the snapshot still shows them", () => {
    const plan = cycle(at(10 * SECOND), { desired: 2, running: four, memory: deleting(["w1", "w2"], at(MINUTE)) });
    expect(plan.actions).toEqual([]);
    expect(plan.state).toEqual({ ...STATE, desired: 2, scheduledTarget: 2, actual: 2, eligible: 2, deleting: 2 });
    expect(plan.memory).toEqual(deleting(["w1", "w2"], at(MINUTE)));
    expect(plan.nextChangeAt).toEqual(at(MINUTE + 1));
  });

  it("creates for a prebuild being deleted when more are wanted again", () => {
    const plan = cycle(at(10 * SECOND), { desired: 3, running: four, memory: deleting(["w1", "w2"], at(MINUTE)) });
    expect(plan.actions).toEqual([{ type: "create", count: 1, reason: "desired 3 (base count), 2 running, 0 starting: create 1" }]);
  });

  it("forgets a delete once the snapshot no longer shows the prebuild", () => {
    const plan = cycle(at(10 * SECOND), { desired: 2, running: [prebuild("w2"), prebuild("w3"), prebuild("w4")], memory: deleting(["w1", "w2"], at(MINUTE)) });
    expect(plan.actions).toEqual([]);
    expect(plan.memory).toEqual(deleting(["w2"], at(MINUTE)));
  });

  it("deletes again once the expectation has expired", () => {
    const plan = cycle(at(MINUTE + 1), { desired: 2, running: four, memory: deleting(["w1", "w2"], at(MINUTE)) });
    expect(plan.actions.map((action) => (action.type === "delete" ? action.workspaceIds : []))).toEqual([["w1", "w2"]]);
    expect(plan.memory).toEqual(deleting(["w1", "w2"], at(2 * MINUTE + 1)));
  });

  it("wakes an inactive preset when its expected delete expires, to ask again", () => {
    const global = emptyGlobal({
      presets: [makePreset({ id: "a", templateDeleted: true })],
      running: [prebuild("w1"), prebuild("w2")],
      memory: [{ presetId: "a", ...deleting(["w1", "w2"], at(MINUTE)) }],
    });
    const plan = planCycle(global, clockAt(at(10 * SECOND))).presets[0];
    expect(plan?.actions).toEqual([]);
    expect(plan?.nextChangeAt).toEqual(at(MINUTE + 1));
    expect(planCycle(global, clockAt(at(MINUTE + 1))).presets[0]?.actions).toEqual([
      { type: "delete", workspaceIds: ["w1", "w2"], reason: "preset is inactive (its template was deleted): delete all 2 running prebuilds, oldest first" },
    ]);
  });

  it("counts a pending delete of an expired prebuild as deleting, not as expired", () => {
    const expiring = planCycle(
      emptyGlobal({
        presets: [makePreset({ id: "a", desiredInstances: 1, ttlSeconds: 60 })],
        running: [prebuild("old"), makePrebuild("fresh", agoIso(SECOND), true, "a")],
        memory: [{ presetId: "a", ...deleting(["old"], at(MINUTE)) }],
      }),
      clockAt(NOW),
    ).presets[0];
    expect(expiring?.actions).toEqual([]);
    expect(expiring?.state).toEqual({ ...STATE, desired: 1, scheduledTarget: 1, actual: 1, eligible: 1, deleting: 1 });
  });
});

describe("expectations — afterExecution", () => {
  const planned: PresetMemory = {
    ...EMPTY_MEMORY,
    expectedCreates: { count: 5, fromEarlierCalls: 1, startingBaseline: 1, runningBaseline: ["w9"], askedAt: NOW, expiresAt: at(MINUTE) },
    expectedDeletes: [
      { workspaceId: "w1", expiresAt: at(MINUTE) },
      { workspaceId: "w2", expiresAt: at(MINUTE) },
    ],
  };

  it("keeps the memory as planned when everything was done", () => {
    expect(afterExecution(planned, { createsNotMade: 0, deletesNotMade: [] })).toBe(planned);
  });

  it("removes the creates that were not made, which were the latest call's", () => {
    expect(afterExecution(planned, { createsNotMade: 3, deletesNotMade: [] })).toEqual({
      ...planned,
      expectedCreates: { count: 2, fromEarlierCalls: 1, startingBaseline: 1, runningBaseline: ["w9"], askedAt: NOW, expiresAt: at(MINUTE) },
    });
    // The latest call asked for 4: the earlier call's one stays expected.
    expect(afterExecution(planned, { createsNotMade: 4, deletesNotMade: [] })).toEqual({ ...planned, expectedCreates: { ...planned.expectedCreates, count: 1 } });
    const single: PresetMemory = { ...planned, expectedCreates: { count: 3, fromEarlierCalls: 0, startingBaseline: 0, runningBaseline: [], askedAt: NOW, expiresAt: at(MINUTE) } };
    expect(afterExecution(single, { createsNotMade: 3, deletesNotMade: [] })).toEqual({ ...single, expectedCreates: null });
  });

  it("removes the deletes that were not made", () => {
    expect(afterExecution(planned, { createsNotMade: 0, deletesNotMade: ["w2"] })).toEqual({ ...planned, expectedDeletes: [{ workspaceId: "w1", expiresAt: at(MINUTE) }] });
  });

  it("lets the next cycle create again for a failed create call", () => {
    const plan = cycle(NOW, {});
    const kept = afterExecution(plan.memory, { createsNotMade: 3, deletesNotMade: [] });
    expect(kept).toEqual(EMPTY_MEMORY);
    expect(cycle(at(10 * SECOND), { memory: kept }).actions.map((action) => action.type)).toEqual(["create"]);
  });

  it("keeps the creates still hidden from an earlier call when a later call fails", () => {
    const plan = cycle(at(10 * SECOND), { desired: 5, memory: expecting(3, at(MINUTE)) });
    expect(afterExecution(plan.memory, { createsNotMade: 2, deletesNotMade: [] })).toEqual(expecting(3, at(10 * SECOND + MINUTE), { fromEarlierCalls: 3 }));
  });
});

describe("scale-down stabilization", () => {
  const policy: Partial<ReconcilePolicy> = { scaleDownStabilizationMs: 5 * MINUTE };
  const four = [prebuild("w1"), prebuild("w2"), prebuild("w3"), prebuild("w4")];
  const peaks = (...samples: [number, number][]): PresetMemory => ({ ...EMPTY_MEMORY, desiredPeaks: samples.map(([offsetMs, desired]) => ({ at: at(offsetMs), desired })) });

  it("remembers each desired count that can still be the largest of the window", () => {
    expect(cycle(NOW, { desired: 4, running: four }, policy).memory).toEqual(peaks([0, 4]));
    expect(cycle(at(MINUTE), { desired: 1, running: four, memory: peaks([0, 4]) }, policy).memory).toEqual(peaks([0, 4], [MINUTE, 1]));
    // A larger count makes the smaller, older ones irrelevant.
    expect(cycle(at(2 * MINUTE), { desired: 2, running: four, memory: peaks([0, 4], [MINUTE, 1]) }, policy).memory).toEqual(peaks([0, 4], [2 * MINUTE, 2]));
    expect(cycle(at(3 * MINUTE), { desired: 4, running: four, memory: peaks([0, 4], [2 * MINUTE, 2]) }, policy).memory).toEqual(peaks([3 * MINUTE, 4]));
  });

  it("keeps the surplus while a higher desired count is inside the window, and names when it leaves", () => {
    const plan = cycle(at(MINUTE), { desired: 1, running: four, memory: peaks([0, 4]) }, policy);
    expect(plan.actions).toEqual([]);
    expect(plan.state).toEqual({ ...STATE, desired: 1, scheduledTarget: 1, actual: 4, eligible: 4, extraneous: 0 });
    expect(plan.nextChangeAt).toEqual(at(5 * MINUTE));
    expect(cycle(at(5 * MINUTE - 1), { desired: 1, running: four, memory: peaks([0, 4], [MINUTE, 1]) }, policy).actions).toEqual([]);
  });

  it("deletes down to the largest count still inside the window once the peak leaves", () => {
    const plan = cycle(at(5 * MINUTE), { desired: 1, running: four, memory: peaks([0, 4], [2 * MINUTE, 2]) }, policy);
    expect(plan.actions).toEqual([
      {
        type: "delete",
        workspaceIds: ["w1", "w2"],
        reason: "desired 1 (base count), 2 within the scale-down stabilization window, 4 unexpired running: delete 2 surplus, not-ready first, then oldest",
      },
    ]);
    expect(plan.state.extraneous).toBe(2);
    expect(plan.nextChangeAt).toEqual(at(7 * MINUTE));
    expect(plan.memory).toEqual({ ...peaks([2 * MINUTE, 2], [5 * MINUTE, 1]), expectedDeletes: [{ workspaceId: "w1", expiresAt: at(6 * MINUTE) }, { workspaceId: "w2", expiresAt: at(6 * MINUTE) }] });
  });

  it("deletes all the surplus once every higher count has left", () => {
    const plan = cycle(at(7 * MINUTE), { desired: 1, running: four, memory: peaks([2 * MINUTE, 2], [5 * MINUTE, 1]) }, policy);
    expect(plan.actions).toEqual([
      { type: "delete", workspaceIds: ["w1", "w2", "w3"], reason: "desired 1 (base count), 4 unexpired running: delete 3 surplus, not-ready first, then oldest" },
    ]);
    expect(plan.nextChangeAt).toBeNull();
  });

  it("never delays a scale-up", () => {
    const plan = cycle(at(MINUTE), { desired: 4, running: [prebuild("w1")], memory: peaks([0, 1]) }, policy);
    expect(plan.actions).toEqual([{ type: "create", count: 3, reason: "desired 4 (base count), 1 running, 0 starting: create 3" }]);
  });

  it("is off by default: surplus goes at once and no peaks are kept", () => {
    const plan = cycle(at(MINUTE), { desired: 1, running: four, memory: peaks([0, 4]) });
    expect(plan.actions.map((action) => (action.type === "delete" ? action.workspaceIds.length : 0))).toEqual([3]);
    expect(plan.memory.desiredPeaks).toEqual([]);
  });
});

describe("planCycle — the memory it returns for each preset", () => {
  it("is exactly what each preset's plan implies", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [
          makePreset({ id: "grow", name: "grow", desiredInstances: 3 }),
          makePreset({ id: "shrink", name: "shrink", desiredInstances: 1 }),
          makePreset({ id: "steady", name: "steady", desiredInstances: 1 }),
          makePreset({ id: "gone", name: "gone", templateDeleted: true }),
        ],
        running: [
          makePrebuild("g1", agoIso(HOUR), true, "grow"),
          makePrebuild("s1", agoIso(2 * HOUR), true, "shrink"),
          makePrebuild("s2", agoIso(HOUR), false, "shrink"),
          makePrebuild("t1", agoIso(HOUR), true, "steady"),
          makePrebuild("x1", agoIso(HOUR), true, "gone"),
        ],
        inProgress: [{ presetId: "grow", transition: "start", count: 1 }],
        memory: [
          { presetId: "steady", ...EMPTY_MEMORY, desiredPeaks: [{ at: at(-MINUTE), desired: 3 }] },
          { presetId: "grow", ...EMPTY_MEMORY, expectedDeletes: [{ workspaceId: "g0", expiresAt: at(MINUTE) }] },
        ],
      }),
      clockAt(NOW),
      { scaleDownStabilizationMs: 10 * MINUTE, expectationTtlMs: 30 * SECOND },
    );
    expect(plan.presets.map((entry) => [entry.presetId, entry.memory])).toEqual([
      [
        "grow",
        {
          ...EMPTY_MEMORY,
          expectedCreates: { count: 1, fromEarlierCalls: 0, startingBaseline: 1, runningBaseline: ["g1"], askedAt: NOW, expiresAt: at(30 * SECOND) },
          desiredPeaks: [{ at: NOW, desired: 3 }],
        },
      ],
      ["shrink", { ...EMPTY_MEMORY, expectedDeletes: [{ workspaceId: "s2", expiresAt: at(30 * SECOND) }], desiredPeaks: [{ at: NOW, desired: 1 }] }],
      [
        "steady",
        {
          ...EMPTY_MEMORY,
          desiredPeaks: [
            { at: at(-MINUTE), desired: 3 },
            { at: NOW, desired: 1 },
          ],
        },
      ],
      // An inactive preset wants 0; its sample of 0 can never hold surplus back, but it is kept like any other.
      ["gone", { ...EMPTY_MEMORY, expectedDeletes: [{ workspaceId: "x1", expiresAt: at(30 * SECOND) }], desiredPeaks: [{ at: NOW, desired: 0 }] }],
    ]);
  });

  it("leaves the runtime's memory rows out of the decisions of presets they do not name", () => {
    const global = emptyGlobal({ presets: [makePreset({ id: "a", name: "a" }), makePreset({ id: "b", name: "b" })] });
    const withMemory = planCycle({ ...global, memory: [{ presetId: "a", ...expecting(2, at(MINUTE)) }] }, clockAt(NOW));
    expect(withMemory.presets.map((entry) => entry.actions.map((action) => action.type === "create" && action.count))).toEqual([[], [2]]);
  });
});
