import { describe, expect, it } from "vitest";
import { calculateActions, planCycle, SnapshotValidationError, type GlobalSnapshot, type Preset } from "../../src/index.js";
import { clockAt, emptyGlobal, makePrebuild, makePreset, NOW, thrownError } from "../fixtures.js";

const clock = clockAt(NOW);
const HOUR = 3_600_000;
const agoIso = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function preset(id: string, overrides: Partial<Preset> = {}): Preset {
  return makePreset({ id, name: id, ...overrides });
}

function loose<T>(value: unknown): T {
  return value as T;
}

const NOTHING_REMEMBERED = { expectedCreates: null, expectedDeletes: [], desiredPeaks: [], createWindow: 1, createWindowUsed: false };
const SCHEDULED = { targetSource: "scheduled", expressionError: null } as const;

describe("planCycle — grouping", () => {
  const global: GlobalSnapshot = emptyGlobal({
    presets: [preset("a", { desiredInstances: 2 }), preset("idle", { usingActiveVersion: false }), preset("b", { desiredInstances: 1 })],
    running: [makePrebuild("b1", agoIso(HOUR), true, "b"), makePrebuild("a1", agoIso(HOUR), true, "a"), makePrebuild("b2", agoIso(2 * HOUR), false, "b")],
    inProgress: [
      { presetId: "a", transition: "start", count: 1 },
      { presetId: "a", transition: "start", count: 1 },
      { presetId: "b", transition: "delete", count: 1 },
    ],
  });

  it("plans each preset from its own rows, skips what needs nothing, and counts both", () => {
    const plan = planCycle(global, clock);
    expect(plan.presetsTotal).toBe(3);
    expect(plan.presetsReconciled).toBe(2);
    expect(plan.invalid).toEqual([]);
    expect(plan.presets).toEqual([
      {
        presetId: "a",
        preset: preset("a", { desiredInstances: 2 }),
        state: { actual: 1, desired: 2, eligible: 1, extraneous: 0, expired: 0, starting: 2, stopping: 0, deleting: 0, scheduledTarget: 2, ...SCHEDULED },
        actions: [],
        blocked: null,
        blockedReason: null,
        nextChangeAt: null,
        memory: NOTHING_REMEMBERED,
      },
      {
        presetId: "b",
        preset: preset("b", { desiredInstances: 1 }),
        state: { actual: 2, desired: 1, eligible: 1, extraneous: 1, expired: 0, starting: 0, stopping: 0, deleting: 1, scheduledTarget: 1, ...SCHEDULED },
        actions: [{ type: "delete", workspaceIds: ["b2"], reason: "desired 1 (base count), 2 unexpired running: delete 1 surplus, not-ready first, then oldest" }],
        blocked: null,
        blockedReason: null,
        nextChangeAt: null,
        // The delete is expected until the snapshot stops showing b2, or for a minute.
        memory: { ...NOTHING_REMEMBERED, expectedDeletes: [{ workspaceId: "b2", expiresAt: new Date(NOW.getTime() + 60_000) }] },
      },
    ]);
    expect(plan.nextChangeAt).toBeNull();
    expect(plan.statusChanges).toEqual([]);
  });

  it("gives each preset the same actions as calculateActions on its own snapshot", () => {
    const plan = planCycle(global, clock);
    const b = calculateActions(
      {
        preset: preset("b", { desiredInstances: 1 }),
        running: [makePrebuild("b1", agoIso(HOUR), true, "b"), makePrebuild("b2", agoIso(2 * HOUR), false, "b")],
        inProgress: { start: 0, stop: 0, delete: 1 },
        pendingNonActive: 0,
        backoff: null,
        hardLimited: false,
      },
      clock,
    );
    expect(plan.presets[1]?.actions).toEqual(b);
  });

  it("adds up pending non-active rows and applies backoff rows to their preset", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("old", { usingActiveVersion: false }), preset("failing")],
        pendingNonActive: [
          { presetId: "old", count: 2 },
          { presetId: "old", count: 1 },
        ],
        backoffs: [{ presetId: "failing", failedBuilds: 1, lastBuildAt: NOW }],
      }),
      clock,
    );
    expect(plan.presets.map((entry) => entry.actions.map((action) => [action.type, "count" in action ? action.count : null]))).toEqual([
      [["cancelPending", 3]],
      [["backoff", null]],
    ]);
  });

  it("marks a hard-limited preset as blocked and gives it no create", () => {
    const plan = planCycle(emptyGlobal({ presets: [preset("stuck")], hardLimitedPresetIds: ["stuck"] }), clock);
    expect(plan.presets).toEqual([
      {
        presetId: "stuck",
        preset: preset("stuck"),
        state: { actual: 0, desired: 2, eligible: 0, extraneous: 0, expired: 0, starting: 0, stopping: 0, deleting: 0, scheduledTarget: 2, ...SCHEDULED },
        actions: [],
        blocked: "hardLimited",
        blockedReason: "the last creates all failed (hard limit): no creates until a person fixes the template or the preset, or a create succeeds",
        nextChangeAt: null,
        memory: NOTHING_REMEMBERED,
      },
    ]);
    // The snapshot shows a hard limit the host has not recorded yet: the runtime records it (and notifies once).
    expect(plan.statusChanges).toEqual([{ presetId: "stuck", preset: preset("stuck"), from: "normal", to: "hardLimited" }]);
  });
});

describe("planCycle — invalid input", () => {
  it("reports an invalid preset with global paths and still plans the others", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("good"), preset("bad", { desiredInstances: -1, scheduling: { timezone: "Nowhere/City", schedules: [{ cron: "* * * * *", instances: 1 }] } })],
        running: [makePrebuild("x", "not a date" as unknown as string, true, "bad")],
      }),
      clock,
    );
    expect(plan.presets.map((entry) => entry.presetId)).toEqual(["good"]);
    expect(plan.presetsTotal).toBe(2);
    expect(plan.presetsReconciled).toBe(1);
    expect(plan.invalid).toHaveLength(1);
    const [invalid] = plan.invalid;
    expect(invalid?.presetId).toBe("bad");
    expect(invalid?.error).toBeInstanceOf(SnapshotValidationError);
    expect(invalid?.error.presetId).toBe("bad");
    expect(invalid?.error.issues.map((issue) => issue.path)).toEqual(["presets[1].desiredInstances", "presets[1].scheduling.timezone", "running[0].createdAt"]);
  });

  it("validates an inactive preset before skipping it", () => {
    const plan = planCycle(emptyGlobal({ presets: [preset("retired", { usingActiveVersion: false, ttlSeconds: Number.NaN })] }), clock);
    expect(plan.invalid.map((entry) => [entry.presetId, entry.error.issues.map((issue) => issue.path)])).toEqual([["retired", ["presets[0].ttlSeconds"]]]);
    expect(plan.presetsReconciled).toBe(0);
  });

  it("reports rows naming an unknown preset under that id, from every list", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("known")],
        running: [makePrebuild("w", agoIso(HOUR), true, "ghost")],
        inProgress: [{ presetId: "ghost", transition: "start", count: 1 }],
        pendingNonActive: [{ presetId: "phantom", count: 1 }],
        backoffs: [{ presetId: "ghost", failedBuilds: 1, lastBuildAt: NOW }],
        hardLimitedPresetIds: ["spectre"],
      }),
      clock,
    );
    expect(plan.presets.map((entry) => entry.presetId)).toEqual(["known"]);
    expect(plan.invalid.map((entry) => [entry.presetId, entry.error.issues])).toEqual([
      [
        "ghost",
        [
          { path: "running[0].presetId", message: 'names preset "ghost", which is not in presets' },
          { path: "inProgress[0].presetId", message: 'names preset "ghost", which is not in presets' },
          { path: "backoffs[0].presetId", message: 'names preset "ghost", which is not in presets' },
        ],
      ],
      ["phantom", [{ path: "pendingNonActive[0].presetId", message: 'names preset "phantom", which is not in presets' }]],
      ["spectre", [{ path: "hardLimitedPresetIds[0]", message: 'names preset "spectre", which is not in presets' }]],
    ]);
  });

  it("reports duplicate preset ids and duplicate prebuild ids across presets", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("a"), preset("b"), preset("a"), preset("c")],
        running: [makePrebuild("same", agoIso(HOUR), true, "b"), makePrebuild("same", agoIso(HOUR), true, "c")],
      }),
      clock,
    );
    expect(plan.presets).toEqual([]);
    expect(plan.invalid.map((entry) => [entry.presetId, entry.error.issues])).toEqual([
      ["a", [{ path: "presets[2].id", message: 'duplicate preset id "a"' }]],
      ["b", [{ path: "running[0].id", message: 'duplicate prebuild id "same", also at running[1]' }]],
      ["c", [{ path: "running[1].id", message: 'duplicate prebuild id "same", also at running[0]' }]],
    ]);
  });

  it("reports a second backoff row for one preset and a bad in-progress transition", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("a")],
        inProgress: [loose({ presetId: "a", transition: "restart", count: 1 })],
        backoffs: [
          { presetId: "a", failedBuilds: 1, lastBuildAt: NOW },
          { presetId: "a", failedBuilds: 2, lastBuildAt: NOW },
        ],
      }),
      clock,
    );
    expect(plan.invalid[0]?.error.issues).toEqual([
      { path: "inProgress[0].transition", message: 'must be "start", "stop" or "delete", got "restart"' },
      { path: "backoffs[1]", message: 'second backoff row for preset "a", the first is backoffs[0]' },
    ]);
  });

  it("reports a preset without an id, and a row without a preset id, under their paths", () => {
    const plan = planCycle(
      emptyGlobal({ presets: [loose({ ...preset("x"), id: 42 }), preset("ok")], pendingNonActive: [loose({ count: 1 })] }),
      clock,
    );
    expect(plan.presets.map((entry) => entry.presetId)).toEqual(["ok"]);
    expect(plan.invalid.map((entry) => [entry.presetId, entry.error.issues.map((issue) => issue.path)])).toEqual([
      ["presets[0]", ["presets[0].id"]],
      ["pendingNonActive[0]", ["pendingNonActive[0].presetId"]],
    ]);
  });

  it("throws only when the snapshot as a whole is unusable", () => {
    const error = thrownError(() => planCycle(loose({ presets: [], running: null }), clock));
    expect(error).toBeInstanceOf(SnapshotValidationError);
    expect((error as SnapshotValidationError).issues.map((issue) => issue.path)).toEqual(["running", "inProgress", "pendingNonActive", "backoffs", "hardLimitedPresetIds"]);
  });
});

describe("planCycle — global create budget", () => {
  const needing = (id: string, desired: number, running = 0): { preset: Preset; rows: ReturnType<typeof makePrebuild>[] } => ({
    preset: preset(id, { desiredInstances: desired }),
    rows: Array.from({ length: running }, (_, index) => makePrebuild(`${id}-${index}`, agoIso(HOUR), true, id)),
  });

  function creates(entries: ReturnType<typeof needing>[], budget: number, extra: Partial<GlobalSnapshot> = {}) {
    const plan = planCycle(
      emptyGlobal({ presets: entries.map((entry) => entry.preset), running: entries.flatMap((entry) => entry.rows), ...extra }),
      clock,
      { maxCreatesPerCycle: budget },
    );
    return Object.fromEntries(plan.presets.map((entry) => [entry.presetId, entry.actions.find((action) => action.type === "create")?.count ?? 0]));
  }

  it("leaves creates alone when the budget covers them", () => {
    expect(creates([needing("a", 3), needing("b", 2)], 5)).toEqual({ a: 3, b: 2 });
  });

  it("hands out one at a time to the largest missing fraction, ties to the larger remaining count", () => {
    // a: 10/10 and b: 2/2 tie on fraction; a has more left → a. Then b (1.0 > 0.9), a (0.9 > 0.5), a (0.8 > 0.5).
    expect(creates([needing("a", 10), needing("b", 2)], 4)).toEqual({ a: 3, b: 1 });
  });

  it("prefers the preset furthest from its desired count", () => {
    // a misses 1 of 4 (0.25); b misses 3 of 3 (1.0): b gets the first two, then 1/3 > 1/4 → b again.
    expect(creates([needing("a", 4, 3), needing("b", 3)], 3)).toEqual({ a: 0, b: 3 });
  });

  it("breaks full ties by the smaller preset id", () => {
    expect(creates([needing("zeta", 2), needing("alpha", 2)], 1)).toEqual({ zeta: 0, alpha: 1 });
  });

  it("drops a create cut to zero and says so in a partly cut create's reason", () => {
    const plan = planCycle(emptyGlobal({ presets: [preset("zeta", { desiredInstances: 2 }), preset("alpha", { desiredInstances: 4 })] }), clock, {
      maxCreatesPerCycle: 1,
    });
    expect(plan.presets.map((entry) => [entry.presetId, entry.actions])).toEqual([
      ["zeta", []],
      ["alpha", [{ type: "create", count: 1, reason: "desired 4 (base count), 0 running, 0 starting: create 1 of the 4 needed, cut by the cycle budget of 1 create" }]],
    ]);
  });

  it("never cuts deletions or cancellations", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("old", { usingActiveVersion: false }), preset("over", { desiredInstances: 0 })],
        running: [makePrebuild("o1", agoIso(HOUR), true, "old"), makePrebuild("v1", agoIso(HOUR), true, "over")],
        pendingNonActive: [{ presetId: "old", count: 3 }],
      }),
      clock,
      { maxCreatesPerCycle: 0 },
    );
    expect(plan.presets.map((entry) => entry.actions.map((action) => action.type))).toEqual([["cancelPending", "delete"], ["delete"]]);
  });
});
