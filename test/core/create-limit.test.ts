import { describe, expect, it } from "vitest";
import { planCycle } from "../../src/index.js";
import { clockAt, emptyGlobal, makePreset, NOW } from "../fixtures.js";

const clock = clockAt(NOW);

describe("planCycle — maxCreatesInFlight counts every preset's builds (SPEC §12)", () => {
  it("counts the builds in flight of an inactive preset, planned or left out", () => {
    const global = emptyGlobal({
      presets: [
        makePreset({ id: "old", usingActiveVersion: false }),
        makePreset({ id: "retired", templateDeprecated: true }),
        makePreset({ id: "new", desiredInstances: 4 }),
      ],
      // "old" has a queued create, so it is planned (cancelPending); "retired" has only running builds, so it is left out.
      inProgress: [
        { presetId: "old", transition: "start", count: 2 },
        { presetId: "retired", transition: "start", count: 1 },
      ],
      pendingNonActive: [{ presetId: "old", count: 1 }],
    });
    const plan = planCycle(global, clock, { maxCreatesInFlight: 4 });
    expect(plan.presets.map((entry) => entry.presetId)).toEqual(["old", "new"]);
    expect(plan.presets[1]?.actions).toEqual([
      {
        type: "create",
        count: 1,
        reason: "desired 4 (base count), 0 running, 0 starting: create 1 of the 4 needed, cut by the limit of 4 creates in flight (3 in flight now)",
      },
    ]);
  });
});

describe("planCycle — a probe the cycle's limit leaves no room for (SPEC §12)", () => {
  it("drops the probe and says so in blockedReason", () => {
    const global = emptyGlobal({
      presets: [makePreset({ id: "stuck", desiredInstances: 1 })],
      hardLimitedPresetIds: ["stuck"],
      backoffs: [{ presetId: "stuck", failedBuilds: 3, lastBuildAt: new Date(NOW.getTime() - 10 * 60_000) }],
    });
    const probing = planCycle(global, clock, { hardLimitRetryMs: 60_000 });
    expect(probing.presets[0]?.actions.map((action) => [action.type, action.type === "create" ? action.probe : null])).toEqual([["create", true]]);
    expect(probing.presets[0]?.blockedReason).toBe("the last creates all failed (hard limit): probing with 1 create");
    const full = planCycle(global, clock, { hardLimitRetryMs: 60_000, maxCreatesInFlight: 0 });
    expect(full.presets[0]?.actions).toEqual([]);
    expect(full.presets[0]?.blockedReason).toBe("the last creates all failed (hard limit): a probe is due, but the limit of 0 creates in flight (0 in flight now) leaves no room this cycle");
  });
});

describe("planCycle — expectations settled by what the snapshot shows (SPEC §12)", () => {
  const asked = new Date(NOW.getTime() - 30_000);
  const expecting = (count: number, fromEarlierCalls: number) => ({
    presetId: "p",
    expectedCreates: { count, fromEarlierCalls, startingBaseline: 0, runningBaseline: [], askedAt: asked, expiresAt: new Date(NOW.getTime() + 30_000) },
    expectedDeletes: [],
    desiredPeaks: [],
    createWindow: 1,
    createWindowUsed: false,
  });

  it("counts creates asked for and not visible as starting", () => {
    const plan = planCycle(emptyGlobal({ presets: [makePreset({ id: "p", desiredInstances: 2 })], memory: [expecting(2, 0)] }), clock);
    expect(plan.presets[0]?.state.starting).toBe(2);
    expect(plan.presets[0]?.actions).toEqual([]);
  });

  it("takes a create that failed since the request as a sign the request has shown", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [makePreset({ id: "p", desiredInstances: 2 })],
        memory: [expecting(2, 0)],
        backoffs: [{ presetId: "p", failedBuilds: 1, lastBuildAt: asked }],
      }),
      clock,
      { backoffIntervalMs: 1 },
    );
    expect(plan.presets[0]?.state.starting).toBe(0);
    expect(plan.presets[0]?.actions.map((action) => action.type)).toEqual(["create"]);
  });

  it("a failure from before the request is no sign of it", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [makePreset({ id: "p", desiredInstances: 2 })],
        memory: [expecting(2, 0)],
        backoffs: [{ presetId: "p", failedBuilds: 1, lastBuildAt: new Date(asked.getTime() - 1) }],
      }),
      clock,
      { backoffIntervalMs: 1 },
    );
    expect(plan.presets[0]?.state.starting).toBe(2);
  });

  it("needs more to show than the older creates still pending when the last request was made", () => {
    const global = (running: number) =>
      emptyGlobal({
        presets: [makePreset({ id: "p", desiredInstances: 4 })],
        memory: [expecting(3, 2)],
        running: Array.from({ length: running }, (_, index) => ({ id: `new-${index}`, presetId: "p", createdAt: NOW, ready: true })),
      });
    // Two of the three show: they may be the two older ones; the last request is still pending.
    expect(planCycle(global(2), clock).presets[0]?.state.starting).toBe(1);
    // Three show: more than the two from earlier calls, so the last request has shown, and all before it.
    expect(planCycle(global(3), clock).presets[0]?.state.starting).toBe(0);
  });
});
