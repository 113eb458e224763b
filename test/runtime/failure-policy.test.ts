import { afterEach, describe, expect, it, vi } from "vitest";
import { PermanentBuildError, presetConfigurationKey, Reconciler, type Preset, type Provisioner, type ReconcilerOptions, type Store } from "../../src/index.js";
import { makeWorld, memoryPreset, recordingMetrics, SYSTEM_USER, type World } from "./world.js";

function reconcilerFor(world: World, overrides: Partial<ReconcilerOptions> = {}): Reconciler {
  return new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, systemUserId: SYSTEM_USER, ...overrides });
}

/** A provisioner in front of a queue: builds are accepted at once and appear in the store `lagMs` later. */
function queuedProvisioner(world: World, lagMs: number): Provisioner & { readonly accepted: number[]; deliver(): void } {
  const queue: { at: number; preset: Preset; count: number }[] = [];
  const accepted: number[] = [];
  return {
    accepted,
    async createPrebuilds(preset, count) {
      accepted.push(count);
      queue.push({ at: world.clock.now().getTime() + lagMs, preset, count });
    },
    deletePrebuild: (id, context) => world.simulator.deletePrebuild(id, context),
    cancelPendingAndOrphanDelete: (id, context) => world.simulator.cancelPendingAndOrphanDelete(id, context),
    deliver() {
      const now = world.clock.now().getTime();
      while (queue.length > 0 && (queue[0]?.at ?? Infinity) <= now) {
        const next = queue.shift();
        if (next !== undefined) void world.simulator.createPrebuilds(next.preset, next.count);
      }
    },
  };
}

describe("Reconciler — expectations (SPEC §12)", () => {
  it("does not create again while the builds it asked for are not visible yet", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 3 })]);
    const provisioner = queuedProvisioner(world, 20_000);
    const reconciler = reconcilerFor(world, { provisioner });
    for (let second = 0; second <= 60; second += 5) {
      provisioner.deliver();
      await reconciler.reconcileOnce();
      world.advance(5_000);
    }
    // Without expectations every cycle until the builds showed up would have created 3 more.
    expect(provisioner.accepted).toEqual([3]);
    world.advance(120_000);
    expect(world.memory.listWorkspaces().filter((workspace) => !workspace.deleted && workspace.ready)).toHaveLength(3);
  });

  it("creates again once an expectation expires without the builds ever showing", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 2 })]);
    const provisioner = queuedProvisioner(world, Number.POSITIVE_INFINITY);
    const reconciler = reconcilerFor(world, { provisioner, policy: { expectationTtlMs: 30_000 } });
    await reconciler.reconcileOnce();
    world.advance(30_000);
    await reconciler.reconcileOnce();
    expect(provisioner.accepted).toEqual([2]);
    world.advance(1);
    const stats = await reconciler.reconcileOnce();
    expect(provisioner.accepted).toEqual([2, 2]);
    expect(stats.actions.create).toBe(1);
  });

  it("expects nothing of a create the provisioner refused", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })]);
    let refuse = true;
    const provisioner: Provisioner = {
      createPrebuilds: async (preset, count, context) => {
        if (refuse) throw new Error("quota exceeded");
        await world.simulator.createPrebuilds(preset, count, context);
      },
      deletePrebuild: (id, context) => world.simulator.deletePrebuild(id, context),
      cancelPendingAndOrphanDelete: (id, context) => world.simulator.cancelPendingAndOrphanDelete(id, context),
    };
    const reconciler = reconcilerFor(world, { provisioner });
    await reconciler.reconcileOnce();
    refuse = false;
    const retry = await reconciler.reconcileOnce();
    expect(retry.actions.create).toBe(1);
  });
});

describe("Reconciler — permanent build failures (SPEC §12)", () => {
  it("records validationFailed with the configuration key, notifies once, and creates nothing until the preset changes", async () => {
    const world = makeWorld([memoryPreset("broken", { desiredInstances: 2 }), memoryPreset("fine", { desiredInstances: 1 })]);
    const failures: string[] = [];
    const metrics = recordingMetrics();
    const provisioner: Provisioner = {
      createPrebuilds: async (preset, count, context) => {
        if (preset.id === "broken" && preset.desiredInstances === 2) throw new PermanentBuildError("template version v1 does not validate: missing variable region");
        await world.simulator.createPrebuilds(preset, count, context);
      },
      deletePrebuild: (id, context) => world.simulator.deletePrebuild(id, context),
      cancelPendingAndOrphanDelete: (id, context) => world.simulator.cancelPendingAndOrphanDelete(id, context),
    };
    const notifier = { hardLimitReached: async () => {}, resourcesReplaced: async () => {}, validationFailed: async (preset: Preset, message: string) => void failures.push(`${preset.id}: ${message}`) };
    const reconciler = reconcilerFor(world, { provisioner, notifier, metrics });
    const first = await reconciler.reconcileOnce();
    expect(first.failures.map((failure) => [failure.presetId, failure.code])).toEqual([["broken", "PERMANENT_BUILD_FAILURE"]]);
    const recorded = (await world.memory.loadSnapshot()).recordedStatuses;
    const broken = world.memory.listPresets().find((preset) => preset.id === "broken") as Preset;
    expect(recorded).toEqual([{ presetId: "broken", status: "validationFailed", configurationKey: presetConfigurationKey(broken) }]);
    expect(failures).toEqual(["broken: template version v1 does not validate: missing variable region"]);

    world.advance(120_000);
    const blocked = await reconciler.reconcileOnce();
    expect(blocked.actions.create).toBe(0);
    expect(blocked.errors).toBe(0);
    expect(metrics.gauges.get("validationFailed:broken")).toBe(1);
    expect(failures).toHaveLength(1);

    // The admin fixes the preset: its configuration key changes, the block lifts by itself.
    world.memory.updatePreset("broken", (preset) => ({ ...preset, desiredInstances: 3 }));
    const fixed = await reconciler.reconcileOnce();
    expect(world.memory.presetStatus("broken")).toBe("normal");
    expect(fixed.actions.create).toBe(1);
    expect(metrics.gauges.get("validationFailed:broken")).toBe(0);
  });
});

describe("Reconciler — the loop's floor (SPEC §12)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A store whose snapshot says a backoff ends a millisecond from now, forever (its clock never moves). */
  function alwaysDueStore(world: World): Store & { loads: number } {
    const store = Object.assign(Object.create(world.memory) as Store, {
      loads: 0,
      async loadSnapshot() {
        store.loads += 1;
        const snapshot = await world.memory.loadSnapshot();
        return { ...snapshot, backoffs: [{ presetId: "a", failedBuilds: 1, lastBuildAt: new Date(world.clock.now().getTime() - 60_000 + 1) }] };
      },
    });
    return store;
  }

  it("never starts two cycles less than minIntervalMs apart, whatever the next change says", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const world = makeWorld([memoryPreset("a")]);
    const store = alwaysDueStore(world);
    const reconciler = reconcilerFor(world, { store });
    reconciler.start({ intervalMs: 60_000, minIntervalMs: 1_000 });
    await vi.advanceTimersByTimeAsync(10_500);
    await reconciler.stop();
    // Cycles at 0, 1 000, …, 10 000 ms: eleven, not one per millisecond.
    expect(store.loads).toBe(11);
  });

  it("sleeps its whole interval when the next change is at the end of time", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const world = makeWorld([memoryPreset("a", { ttlSeconds: Number.MAX_SAFE_INTEGER, desiredInstances: 1 })]);
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    world.advance(120_000);
    world.log.calls.length = 0;
    reconciler.start({ intervalMs: 60_000 });
    await vi.advanceTimersByTimeAsync(59_000);
    // Its prebuild expires at the end of the Date range: a valid instant, so the loop sleeps a whole interval.
    expect(reconciler.lastStats?.nextChangeAt?.toISOString()).toBe("+275760-09-13T00:00:00.000Z");
    expect(world.log.count("store", "loadSnapshot")).toBe(1);
    await vi.advanceTimersByTimeAsync(2_000);
    await reconciler.stop();
    expect(world.log.count("store", "loadSnapshot")).toBe(2);
  });
});

describe("Reconciler — health (issue 11 §3, used by the deadlines)", () => {
  it("shows a cycle stuck past its bound as stalled, and who held the lock", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const provisioner: Provisioner = { createPrebuilds: () => new Promise(() => {}), deletePrebuild: async () => {}, cancelPendingAndOrphanDelete: async () => 0 };
    const reconciler = reconcilerFor(world, { provisioner, timeouts: { provisionerMs: 60_000, cycleMs: 60_000 } });
    expect(reconciler.health()).toMatchObject({ lastCycleStartedAt: null, lastCycleSucceeded: null, stalled: false, lock: "unknown", loopRunning: false });
    const cycle = reconciler.reconcileOnce();
    await vi.waitFor(() => expect(world.memory.lockHeld).toBe(true));
    world.clock.advance(5_000);
    expect(reconciler.health({ stalledAfterMs: 4_000 })).toMatchObject({ stalled: true, cycleRunningSince: new Date("2025-06-02T08:00:00.000Z"), stalledAfterMs: 4_000 });
    await reconciler.stop();
    const stats = await cycle;
    expect(stats.interruptedBy).toBe("stopped");
    expect(reconciler.health()).toMatchObject({ stalled: false, cycleRunningSince: null, lastCycleSucceeded: false, lock: "held" });
  });
});
