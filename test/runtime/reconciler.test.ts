import { describe, expect, it } from "vitest";
import { ArgumentValidationError, Reconciler, type ReconcilerOptions } from "../../src/index.js";
import { thrownError } from "../fixtures.js";
import {
  makeWorld,
  memoryPreset,
  readyPrebuilds,
  recordingMetrics,
  recordingNotifier,
  START,
  STORE_WRITES,
  SYSTEM_USER,
  type World,
} from "./world.js";

function reconcilerFor(world: World, overrides: Partial<ReconcilerOptions> = {}): Reconciler {
  return new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, systemUserId: SYSTEM_USER, ...overrides });
}

function storeWrites(world: World): number {
  return STORE_WRITES.reduce((sum, method) => sum + world.log.count("store", method), 0);
}

describe("Reconciler — a cycle", () => {
  it("creates the missing prebuilds, then does nothing once they are running", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 2 })]);
    const reconciler = reconcilerFor(world);
    const first = await reconciler.reconcileOnce();
    expect(first).toMatchObject({ lockAcquired: true, paused: false, presetsTotal: 1, presetsReconciled: 1, errors: 0, failures: [] });
    expect(first.actions).toEqual({ create: 1, delete: 0, backoff: 0, cancelPending: 0 });
    expect(world.log.calls.filter((call) => call.port === "provisioner").map((call) => [call.method, call.args[1]])).toEqual([["createPrebuilds", 2]]);
    world.advance(120_000);
    expect(readyPrebuilds(world, "a")).toBe(2);
    const second = await reconciler.reconcileOnce();
    expect(second.actions).toEqual({ create: 0, delete: 0, backoff: 0, cancelPending: 0 });
  });

  it("in a steady state reads one snapshot, writes nothing and calls no provisioner", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b", { organizationId: "org-2" }), memoryPreset("old", { usingActiveVersion: false })]);
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.reconcileOnce();
    world.log.calls.length = 0;
    const stats = await reconciler.reconcileOnce();
    expect(world.log.count("store", "loadSnapshot")).toBe(1);
    expect(storeWrites(world)).toBe(0);
    expect(world.log.count("provisioner")).toBe(0);
    expect(stats.errors).toBe(0);
  });

  it("ensures the system user's memberships once per organization", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b"), memoryPreset("c", { organizationId: "org-2" })]);
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    const inserts = world.log.calls.filter((call) => ["addSystemUserToOrganization", "createPrebuildsGroup", "addSystemUserToPrebuildsGroup"].includes(call.method));
    expect(inserts.map((call) => `${call.method}(${String(call.args[0])})`)).toEqual([
      "addSystemUserToOrganization(org-1)",
      "createPrebuildsGroup(org-1)",
      "addSystemUserToPrebuildsGroup(org-1)",
      "addSystemUserToOrganization(org-2)",
      "createPrebuildsGroup(org-2)",
      "addSystemUserToPrebuildsGroup(org-2)",
    ]);
    expect(world.log.count("store", "organizationsWithPrebuildStatus")).toBe(1);
  });

  it("deletes every prebuild of a template version that is no longer active, and cancels its queued creates", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 2 })]);
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.reconcileOnce(); // nothing to do: 2 running
    world.memory.updatePreset("a", (preset) => ({ ...preset, usingActiveVersion: false }));
    const stats = await reconciler.reconcileOnce();
    expect(stats.actions.delete).toBe(1);
    expect(world.log.count("provisioner", "deletePrebuild")).toBe(2);
    world.advance(120_000);
    expect(readyPrebuilds(world, "a")).toBe(0);
  });

  it("cancels the queued creates of an outdated version and deletes its running prebuilds", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 3 })], { capacity: 1 });
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    world.advance(120_000); // one build done; the next one started; one still queued
    world.memory.updatePreset("a", (preset) => ({ ...preset, usingActiveVersion: false }));
    world.log.calls.length = 0;
    const stats = await reconciler.reconcileOnce();
    expect(stats.actions).toEqual({ create: 0, delete: 1, backoff: 0, cancelPending: 1 });
    expect(world.log.calls.filter((call) => call.port === "provisioner").map((call) => call.method)).toEqual(["cancelPendingAndOrphanDelete", "deletePrebuild"]);
    expect(world.memory.listBuilds().filter((build) => build.status === "canceled")).toHaveLength(1);
  });

  it("runs presets at most max(1, floor(maxDbConnections / 2)) at a time", async () => {
    const presets = Array.from({ length: 12 }, (_, index) => memoryPreset(`p${index}`));
    const world = makeWorld(presets);
    let active = 0;
    let peak = 0;
    const slowProvisioner = {
      createPrebuilds: async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
      },
      deletePrebuild: async () => {},
      cancelPendingAndOrphanDelete: async () => 0,
    };
    const reconciler = reconcilerFor(world, { provisioner: slowProvisioner, maxDbConnections: 7 });
    expect(reconciler.concurrency).toBe(3);
    await reconciler.reconcileOnce();
    expect(peak).toBe(3);
    expect(reconcilerFor(world, { maxDbConnections: 1 }).concurrency).toBe(1);
    const error = thrownError(() => reconcilerFor(world, { maxDbConnections: 0 }));
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues).toEqual([{ path: "maxDbConnections", message: "must be a positive integer, got 0" }]);
  });

  it("never runs two cycles at once", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reconciler = reconcilerFor(world);
    const [first, second] = await Promise.all([reconciler.reconcileOnce(), reconciler.reconcileOnce()]);
    expect(first.lockAcquired && second.lockAcquired).toBe(true);
    expect(first.actions.create + second.actions.create).toBe(1);
    expect(world.log.count("provisioner", "createPrebuilds")).toBe(1);
  });
});

describe("Reconciler — lock and pause", () => {
  it("does nothing when another replica holds the lock", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const other = reconcilerFor(world);
    const mine = reconcilerFor(world);
    let release: () => void = () => {};
    const held = world.memory.withReconciliationLock(() => new Promise<void>((resolve) => (release = resolve)));
    const stats = await mine.reconcileOnce();
    release();
    await held;
    expect(stats).toMatchObject({ lockAcquired: false, presetsTotal: 0, errors: 0 });
    expect(world.log.count("store", "loadSnapshot")).toBe(0);
    expect((await other.reconcileOnce()).lockAcquired).toBe(true);
  });

  it("reads nothing else when paused globally, and reports the pause", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const metrics = recordingMetrics();
    world.memory.setPaused({ global: true, presetIds: [] });
    const stats = await reconcilerFor(world, { metrics }).reconcileOnce();
    expect(stats).toMatchObject({ paused: true, presetsTotal: 0 });
    expect(world.log.count("store", "loadSnapshot")).toBe(0);
    expect(world.log.count("provisioner")).toBe(0);
    expect(metrics.gauges.get("paused")).toBe(1);
  });

  it("leaves paused presets alone and reconciles the others", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b")]);
    world.memory.setPaused({ global: false, presetIds: ["a"] });
    await reconcilerFor(world).reconcileOnce();
    expect(world.log.calls.filter((call) => call.method === "createPrebuilds").map((call) => (call.args[0] as { id: string }).id)).toEqual(["b"]);
  });
});

describe("Reconciler — failures", () => {
  it("aborts the cycle with no writes when the snapshot read fails", async () => {
    const world = makeWorld([memoryPreset("a")]);
    world.storeFailures.set("loadSnapshot", () => new Error("connection reset"));
    const stats = await reconcilerFor(world).reconcileOnce();
    expect(stats.failures).toEqual([{ presetId: null, operation: "store.loadSnapshot", message: "connection reset", code: null }]);
    expect(stats.errors).toBe(1);
    expect(stats.lockAcquired).toBe(true);
    expect(world.log.count("provisioner")).toBe(0);
    expect(world.log.count("store", "setPresetStatus")).toBe(0);
  });

  it("reports a provisioner failure for one preset and reconciles the others; the next cycle retries", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b"), memoryPreset("c")]);
    const metrics = recordingMetrics();
    world.provisionerFailures.set("createPrebuilds", (args) => ((args[0] as { id: string }).id === "b" ? new Error("quota exceeded") : undefined));
    const reconciler = reconcilerFor(world, { metrics });
    const stats = await reconciler.reconcileOnce();
    expect(stats.failures).toEqual([{ presetId: "b", operation: "provisioner.createPrebuilds", message: "quota exceeded", code: null }]);
    expect(stats.actions.create).toBe(2);
    expect(metrics.counters.get("created:a")).toBe(2);
    expect(metrics.counters.get("failed:b")).toBe(2);
    world.provisionerFailures.clear();
    const retry = await reconciler.reconcileOnce();
    expect(retry.actions.create).toBe(1);
    expect(world.log.calls.filter((call) => call.method === "createPrebuilds").map((call) => (call.args[0] as { id: string }).id)).toEqual(["a", "b", "c", "b"]);
  });

  it("goes on deleting the other workspaces when one delete fails", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 3 })]);
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    world.advance(120_000);
    world.memory.updatePreset("a", (preset) => ({ ...preset, desiredInstances: 0 }));
    let first = true;
    world.provisionerFailures.set("deletePrebuild", () => (first ? ((first = false), new Error("busy")) : undefined));
    const stats = await reconciler.reconcileOnce();
    expect(stats.errors).toBe(1);
    expect(world.log.count("provisioner", "deletePrebuild")).toBe(3);
    expect(stats.failures[0]?.operation).toBe("provisioner.deletePrebuild");
  });

  it("reports a notifier that throws, after the status is recorded", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })], { failureRate: 1, hardLimit: 1 });
    const notifier = { hardLimitReached: async () => Promise.reject(new Error("smtp down")), resourcesReplaced: async () => {} };
    const reconciler = reconcilerFor(world, { notifier });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    const stats = await reconciler.reconcileOnce();
    expect(world.memory.presetStatus("a")).toBe("hardLimited");
    expect(stats.failures).toEqual([{ presetId: "a", operation: "notifier.hardLimitReached", message: "smtp down", code: null }]);
  });

  it("reports a metrics backend that throws once, and still reconciles every preset", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b")]);
    const metrics = { incrementCounter: () => {}, setGauge: () => { throw new Error("registry closed"); }, observeHistogram: () => {} };
    const stats = await reconcilerFor(world, { metrics }).reconcileOnce();
    expect(stats.failures).toEqual([{ presetId: null, operation: "metrics", message: "registry closed", code: null }]);
    expect(stats.actions.create).toBe(2);
  });

  it("reports an invalid preset and reconciles the others", async () => {
    const world = makeWorld([memoryPreset("good"), memoryPreset("bad", { desiredInstances: -1 })]);
    const stats = await reconcilerFor(world).reconcileOnce();
    expect(stats.invalid.map((entry) => [entry.presetId, entry.error.issues[0]?.path])).toEqual([["bad", "presets[1].desiredInstances"]]);
    expect(stats.actions.create).toBe(1);
  });
});

describe("Reconciler — reporting what happened", () => {
  it("reports an unusable snapshot as a failed read, with the lock held", async () => {
    const world = makeWorld([memoryPreset("a")]);
    // The in-memory store, except that its snapshot has no list of running prebuilds.
    const store: typeof world.store = Object.assign(Object.create(world.memory) as typeof world.memory, {
      organizationsWithPrebuildStatus: async () => [],
      loadSnapshot: async () => ({ ...(await world.memory.loadSnapshot()), running: null as unknown as [] }),
    });
    const stats = await reconcilerFor(world, { store }).reconcileOnce();
    expect(stats.lockAcquired).toBe(true);
    expect(stats.failures).toEqual([{ presetId: null, operation: "store.loadSnapshot", message: "invalid snapshot: running: must be an array, got null", code: "SNAPSHOT_INVALID" }]);
  });

  it("zeroes the gauges of a preset that no longer needs reconciling", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 2 })]);
    const metrics = recordingMetrics();
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.reconcileOnce();
    expect(metrics.gauges.get("running:a")).toBe(2);
    world.memory.updatePreset("a", (preset) => ({ ...preset, templateDeprecated: true }));
    await reconciler.reconcileOnce(); // deletes both
    world.advance(120_000);
    const stats = await reconciler.reconcileOnce(); // skipped: inactive with nothing left
    expect(stats.presetsReconciled).toBe(0);
    expect([metrics.gauges.get("desired:a"), metrics.gauges.get("running:a"), metrics.gauges.get("eligible:a")]).toEqual([0, 0, 0]);
  });

  it("does not report a pause it could not read", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const metrics = recordingMetrics();
    world.storeFailures.set("isPaused", () => new Error("settings table locked"));
    const stats = await reconcilerFor(world, { metrics }).reconcileOnce();
    expect(stats.failures).toEqual([{ presetId: null, operation: "store.isPaused", message: "settings table locked", code: null }]);
    expect(metrics.gauges.has("paused")).toBe(false);
    expect(metrics.histograms.get("reconciliationDuration")).toHaveLength(1);
  });

  it("stops an organization's membership steps at the first failure", async () => {
    const world = makeWorld([memoryPreset("a")]);
    world.storeFailures.set("createPrebuildsGroup", () => new Error("no permission"));
    const stats = await reconcilerFor(world).reconcileOnce();
    expect(stats.failures.map((failure) => failure.operation)).toEqual(["store.createPrebuildsGroup"]);
    expect(world.log.count("store", "addSystemUserToPrebuildsGroup")).toBe(0);
    expect(stats.actions.create).toBe(1);
  });

  it("does exactly the same work when the logger throws on every line", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b", { organizationId: "org-2" })]);
    const explode = () => {
      throw new Error("log sink full");
    };
    const stats = await reconcilerFor(world, { logger: { debug: explode, info: explode, warn: explode, error: explode } }).reconcileOnce();
    expect(world.log.count("provisioner", "createPrebuilds")).toBe(2);
    expect(world.log.count("store", "addSystemUserToPrebuildsGroup")).toBe(2);
    expect(stats.actions.create).toBe(2);
    expect(stats.failures).toEqual([]);
  });
});

describe("Reconciler — hard limit", () => {
  it("records the transition and notifies exactly once, then again after a recovery", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })], { failureRate: 1, hardLimit: 2 });
    const notifier = recordingNotifier();
    const metrics = recordingMetrics();
    const reconciler = reconcilerFor(world, { notifier, metrics, policy: { backoffIntervalMs: 1 } });
    for (let cycle = 0; cycle < 6; cycle += 1) {
      await reconciler.reconcileOnce();
      world.advance(120_000);
    }
    expect(notifier.hardLimits).toEqual(["a"]);
    expect(metrics.gauges.get("hardLimited:a")).toBe(1);
    expect(world.log.count("store", "setPresetStatus")).toBe(1);
    // Two failed creates, then hard-limited: no further creates.
    expect(world.log.count("provisioner", "createPrebuilds")).toBe(2);
    // A new template version starts a fresh history: the status goes back to normal.
    world.memory.updatePreset("a", (preset) => ({ ...preset, usingActiveVersion: false }));
    await reconciler.reconcileOnce();
    expect(world.memory.presetStatus("a")).toBe("normal");
  });
});

describe("Reconciler — claims", () => {
  async function warmWorld() {
    const world = makeWorld([
      memoryPreset("eu", { parameters: { region: "eu" }, ttlSeconds: 3600 }),
      memoryPreset("us", { parameters: { region: "us" } }),
    ]);
    const metrics = recordingMetrics();
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    return { world, metrics, reconciler };
  }

  it("hands out a ready prebuild with its new lifecycle and what the agent needs", async () => {
    const { world, metrics, reconciler } = await warmWorld();
    const result = await reconciler.claim({
      presetId: "eu",
      claimant: { userId: "alice", workspaceName: "dev", ttlMs: 3_600_000 },
      templateDefaults: { autostartSchedule: "0 9 * * 1-5", allowUserAutostart: false, defaultTtlMs: 8 * 3_600_000, allowUserTtl: true, dormancyThresholdMs: null, dormancyAutoDeleteMs: null },
    });
    if (result.status !== "claimed") throw new Error(`expected a claim, got ${result.reason}`);
    expect(result.workspace).toMatchObject({ presetId: "eu", ownerId: "alice", workspaceName: "dev", claimedAt: world.clock.now() });
    expect(result.agentReinitialization).toEqual({ workspaceId: result.workspace.workspaceId, ownerId: "alice", reason: "claimed" });
    expect(world.memory.workspace(result.workspace.workspaceId)?.lifecycle).toEqual({ autostartSchedule: "0 9 * * 1-5", ttlMs: 3_600_000, dormantAt: null, deletingAt: null });
    expect(metrics.counters.get("claimed:eu")).toBe(1);
    expect(metrics.histograms.get("claimDuration:eu")).toHaveLength(1);
  });

  it("finds the preset from the parameters when none is given", async () => {
    const { reconciler } = await warmWorld();
    const result = await reconciler.claim({ templateVersionId: "version-1", parameters: { region: "us", editor: "vim" }, claimant: { userId: "bob", workspaceName: "w" } });
    expect(result.status === "claimed" && result.workspace.presetId).toBe("us");
    const none = await reconciler.claim({ templateVersionId: "version-1", parameters: { region: "ap" }, claimant: { userId: "bob", workspaceName: "w" } });
    expect(none).toEqual({ status: "unavailable", presetId: null, reason: "no preset of template version version-1 fits the parameters" });
  });

  it("says none is available when the pool is empty, and never hands out an expired prebuild", async () => {
    const { world, reconciler } = await warmWorld();
    world.clock.advance(3 * 3_600_000); // every eu prebuild is now older than its 1 h TTL
    const result = await reconciler.claim({ presetId: "eu", claimant: { userId: "carol", workspaceName: "w" } });
    expect(result).toEqual({ status: "unavailable", presetId: "eu", reason: "no ready, unexpired prebuild of preset eu is available" });
  });

  it("never hands the same prebuild out twice, even to concurrent claims", async () => {
    const { reconciler } = await warmWorld();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, index) => reconciler.claim({ presetId: "us", claimant: { userId: `user-${index}`, workspaceName: "w" } })),
    );
    const claimed = results.flatMap((result) => (result.status === "claimed" ? [result.workspace.workspaceId] : []));
    expect(claimed).toHaveLength(2);
    expect(new Set(claimed).size).toBe(2);
  });

  it("tops the pool up after a claim", async () => {
    const { world, reconciler } = await warmWorld();
    await reconciler.claim({ presetId: "us", claimant: { userId: "dave", workspaceName: "w" } });
    world.log.calls.length = 0;
    await reconciler.reconcileOnce();
    expect(world.log.calls.filter((call) => call.method === "createPrebuilds").map((call) => [(call.args[0] as { id: string }).id, call.args[1]])).toEqual([["us", 1]]);
  });

  it("counts a claim's resource replacements once and tells the notifier which", async () => {
    const { world } = await warmWorld();
    const metrics = recordingMetrics();
    const notifier = recordingNotifier();
    const reconciler = reconcilerFor(world, { metrics, notifier });
    const result = await reconciler.claim({ presetId: "us", claimant: { userId: "erin", workspaceName: "w" } });
    if (result.status !== "claimed") throw new Error("expected a claim");
    await reconciler.trackResourceReplacement(result.workspace, [
      { resource: "docker_container.main", paths: ["env"] },
      { resource: "null_resource.setup", paths: ["triggers"] },
    ]);
    await reconciler.trackResourceReplacement(result.workspace, []);
    expect(metrics.counters.get("resourceReplacements:us")).toBe(1);
    expect(notifier.replacements).toEqual([`${result.workspace.workspaceId}:docker_container.main,null_resource.setup`]);
  });
});

describe("Reconciler — the loop", () => {
  it("reconciles at start, again when woken, and stops after the cycle in flight", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })]);
    const reconciler = reconcilerFor(world);
    reconciler.start({ intervalMs: 60_000 });
    await vi_waitFor(() => world.log.count("store", "loadSnapshot") === 1);
    reconciler.wake();
    await vi_waitFor(() => world.log.count("store", "loadSnapshot") === 2);
    await reconciler.stop();
    const reads = world.log.count("store", "loadSnapshot");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(world.log.count("store", "loadSnapshot")).toBe(reads);
  });

  it("stops when its signal is aborted", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reconciler = reconcilerFor(world);
    const controller = new AbortController();
    reconciler.start({ intervalMs: 5, signal: controller.signal });
    await vi_waitFor(() => world.log.count("store", "loadSnapshot") >= 2);
    controller.abort();
    await reconciler.stop();
    const reads = world.log.count("store", "loadSnapshot");
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(world.log.count("store", "loadSnapshot")).toBe(reads);
  });

  it("does not start with a signal that is already aborted", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reconciler = reconcilerFor(world);
    reconciler.start({ intervalMs: 5, signal: AbortSignal.abort() });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(world.log.count("store", "loadSnapshot")).toBe(0);
    await reconciler.stop();
  });

  it("rejects a non-positive interval", () => {
    const error = thrownError(() => reconcilerFor(makeWorld([])).start({ intervalMs: 0 }));
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues.map((issue) => issue.path)).toEqual(["intervalMs"]);
  });
});

async function vi_waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

void START;
