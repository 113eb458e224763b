import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ArgumentValidationError,
  Reconciler,
  type CounterName,
  type Logger,
  type Metrics,
  type PresetBuildTotals,
  type PresetLabels,
  type ReconcilerOptions,
  type Store,
} from "../../src/index.js";
import { thrownError } from "../fixtures.js";
import { makeWorld, memoryPreset, recordingMetrics, SYSTEM_USER, type World } from "./world.js";

/** Every increment, in order, as `name:presetId+by`. */
function incrementLog(): Metrics & { readonly increments: string[]; readonly gauges: Map<string, number>; readonly removed: string[]; readonly labels: PresetLabels[] } {
  const increments: string[] = [];
  const gauges = new Map<string, number>();
  const removed: string[] = [];
  const labels: PresetLabels[] = [];
  return {
    increments,
    gauges,
    removed,
    labels,
    incrementCounter: (name, presetLabels, by) => {
      increments.push(`${name}:${presetLabels.presetId}+${by}`);
      labels.push(presetLabels);
    },
    setGauge: (name, presetLabels, value) => void gauges.set(presetLabels === null ? name : `${name}:${presetLabels.presetId}`, value),
    observeHistogram: () => {},
    removePresetGauges: (presetLabels) => void removed.push(presetLabels.presetId),
  };
}

function recordingLogger(): Logger & { readonly lines: { level: string; message: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, message, fields });
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

/** The world's store with `loadBuildTotals` answered by `read` instead of the in-memory rows. */
function withTotals(world: World, read: () => Promise<readonly unknown[]> | readonly unknown[]): Store {
  return new Proxy(world.store, {
    get: (object, property, receiver) => (property === "loadBuildTotals" ? async () => read() : Reflect.get(object, property, receiver)),
  }) as Store;
}

function totals(presetId: string, created: number, failed: number, claimed: number): PresetBuildTotals {
  return { presetId, presetName: `${presetId}-name`, organizationId: "org-1", templateId: "template-1", created, failed, claimed };
}

function reconcilerFor(world: World, overrides: Partial<ReconcilerOptions> = {}): Reconciler {
  return new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, systemUserId: SYSTEM_USER, ...overrides });
}

const running: Reconciler[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((reconciler) => reconciler.stop()));
});

describe("Reconciler — created, failed and claimed from the store's build totals", () => {
  it("counts a build that fails after it was queued in failed, and a create call the provisioner rejects nowhere", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 }), memoryPreset("b", { desiredInstances: 1 })], { buildTotals: true, failureRate: 1 });
    world.provisionerFailures.set("createPrebuilds", (args) => ((args[0] as { id: string }).id === "b" ? new Error("provisioner unreachable") : undefined));
    const metrics = incrementLog();
    const reconciler = reconcilerFor(world, { metrics });
    const stats = await reconciler.reconcileOnce();
    expect(stats.failures.map((failure) => `${failure.presetId}:${failure.operation}`)).toEqual(["b:provisioner.createPrebuilds"]);
    // The cycle counts nothing itself: the create call that resolved queued a build that has not finished.
    expect(metrics.increments).toEqual([]);
    world.advance(120_000);
    expect(world.memory.listBuilds().map((build) => `${build.presetId}:${build.status}`)).toEqual(["a:failed"]);
    expect(await reconciler.refreshMetrics()).toBe(true);
    expect(metrics.increments).toEqual(["created:a+0", "failed:a+1", "claimed:a+0", "created:b+0", "failed:b+0", "claimed:b+0"]);
  });

  it("feeds the counters by growth: the first read adds each whole total, later reads what was added since", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 2 })], { buildTotals: true });
    const metrics = incrementLog();
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.refreshMetrics();
    expect(metrics.increments).toEqual(["created:a+2", "failed:a+0", "claimed:a+0"]);
    await reconciler.claim({ presetId: "a", claimant: { userId: "ana", workspaceName: "dev" } });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.refreshMetrics();
    await reconciler.refreshMetrics();
    expect(metrics.increments).toEqual(["created:a+2", "failed:a+0", "claimed:a+0", "created:a+1", "claimed:a+1"]);
  });

  it("counts a claim once, from the store, and not when claim() returns", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })], { buildTotals: true });
    const metrics = recordingMetrics();
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    expect((await reconciler.claim({ presetId: "a", claimant: { userId: "ana", workspaceName: "dev" } })).status).toBe("claimed");
    expect(metrics.counters.get("claimed:a")).toBeUndefined();
    expect(metrics.histograms.get("claimDuration:a")).toEqual([0]);
    await reconciler.refreshMetrics();
    expect([metrics.counters.get("created:a"), metrics.counters.get("claimed:a")]).toEqual([1, 1]);
  });

  it("sets the refreshed-at gauge to the reconciler clock's Unix time in seconds after each read", async () => {
    const world = makeWorld([memoryPreset("a")], { buildTotals: true });
    const metrics = incrementLog();
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.refreshMetrics();
    expect(metrics.gauges.get("totalsRefreshedAt")).toBe(world.clock.now().getTime() / 1000);
    world.advance(90_500);
    await reconciler.refreshMetrics();
    expect(metrics.gauges.get("totalsRefreshedAt")).toBe(new Date("2025-06-02T08:01:30.500Z").getTime() / 1000);
  });

  it("changes no counter when a total goes down, and counts growth from the lower total afterwards", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reads = [[totals("a", 5, 2, 1)], [totals("a", 3, 2, 1)], [totals("a", 4, 3, 1)]];
    const metrics = incrementLog();
    const logger = recordingLogger();
    const reconciler = reconcilerFor(world, { metrics, logger, store: withTotals(world, () => reads.shift() ?? []) });
    for (let read = 0; read < 3; read += 1) await reconciler.refreshMetrics();
    expect(metrics.increments).toEqual(["created:a+5", "failed:a+2", "claimed:a+1", "created:a+1", "failed:a+1"]);
    expect(logger.lines.filter((line) => line.level === "warn").map((line) => line.fields)).toEqual([{ presetId: "a", counter: "created", was: 5, now: 3 }]);
  });

  it("leaves out an unusable row, naming its fields, and feeds the others", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const rows = [totals("a", 1, 0, 0), { ...totals("b", 1, 0, 0), created: -1, failed: "3", presetId: "" }, null];
    const metrics = incrementLog();
    const logger = recordingLogger();
    const reconciler = reconcilerFor(world, { metrics, logger, store: withTotals(world, () => rows) });
    expect(await reconciler.refreshMetrics()).toBe(true);
    expect(metrics.increments).toEqual(["created:a+1", "failed:a+0", "claimed:a+0"]);
    expect(logger.lines.filter((line) => line.level === "error").map((line) => line.fields["issues"])).toEqual([
      'loadBuildTotals()[1].presetId: must be a non-empty string, got ""; loadBuildTotals()[1].created: must be a whole number ≥ 0, got -1; loadBuildTotals()[1].failed: must be a whole number ≥ 0, got "3"',
      "loadBuildTotals()[2]: must be an object, got null",
    ]);
  });

  it("feeds nothing when the read fails, passes its deadline or is not a list; each is logged and resolves false", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const answers: (() => Promise<readonly unknown[]>)[] = [
      () => Promise.reject(new Error("connection refused")),
      () => new Promise<never>(() => {}),
      async () => ({ rows: [] }) as unknown as readonly unknown[],
    ];
    const metrics = incrementLog();
    const logger = recordingLogger();
    const reconciler = reconcilerFor(world, { metrics, logger, timeouts: { storeMs: 30 }, store: withTotals(world, () => (answers.shift() ?? (async () => []))()) });
    expect([await reconciler.refreshMetrics(), await reconciler.refreshMetrics(), await reconciler.refreshMetrics()]).toEqual([false, false, false]);
    expect(metrics.increments).toEqual([]);
    expect(metrics.gauges.has("totalsRefreshedAt")).toBe(false);
    expect(logger.lines.filter((line) => line.level === "error").map((line) => line.fields["error"])).toEqual([
      "connection refused",
      "store.loadBuildTotals did not settle within 30 ms",
      "store.loadBuildTotals must resolve to an array of totals, got an object",
    ]);
  });

  it("never reads the totals inside a cycle: a steady-state cycle is still one snapshot read and no write", async () => {
    const world = makeWorld([memoryPreset("a")], { buildTotals: true });
    const reconciler = reconcilerFor(world);
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.reconcileOnce();
    const before = world.log.calls.length;
    await reconciler.reconcileOnce();
    expect(world.log.calls.slice(before).map((call) => call.method)).toEqual(["withReconciliationLock", "isPaused", "organizationsWithPrebuildStatus", "loadSnapshot"]);
    expect(world.log.count("store", "loadBuildTotals")).toBe(0);
  });

  it("reads the totals when the loop starts and every metricsRefreshMs while it runs; stop() ends the reads", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const world = makeWorld([memoryPreset("a")], { buildTotals: true });
      const reconciler = reconcilerFor(world, { metricsRefreshMs: 60_000 });
      running.push(reconciler);
      reconciler.start({ intervalMs: 3_600_000 });
      await vi.advanceTimersByTimeAsync(0);
      expect(world.log.count("store", "loadBuildTotals")).toBe(1);
      await vi.advanceTimersByTimeAsync(59_999);
      expect(world.log.count("store", "loadBuildTotals")).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(world.log.count("store", "loadBuildTotals")).toBe(2);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(world.log.count("store", "loadBuildTotals")).toBe(4);
      await reconciler.stop();
      await vi.advanceTimersByTimeAsync(600_000);
      expect(world.log.count("store", "loadBuildTotals")).toBe(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it("resolves false from refreshMetrics and keeps counting calls when the store has no loadBuildTotals", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 2 })]);
    const metrics = recordingMetrics();
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    expect(metrics.counters.get("created:a")).toBe(2);
    expect(await reconciler.refreshMetrics()).toBe(false);
  });

  it("refuses an unusable metricsRefreshMs and a loadBuildTotals that is not a function, naming each", () => {
    const world = makeWorld([memoryPreset("a")]);
    const store = new Proxy(world.store, { get: (object, property, receiver) => (property === "loadBuildTotals" ? 5 : Reflect.get(object, property, receiver)) });
    const error = thrownError(() => reconcilerFor(world, { store, metricsRefreshMs: 0 }));
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues).toEqual([
      { path: "store.loadBuildTotals", message: "must be a function when present" },
      { path: "metricsRefreshMs", message: "must be a number of milliseconds from 1 to 2147483647, got 0" },
    ]);
  });
});

describe("Reconciler — gauges only for presets that still matter", () => {
  it("removes the gauges of a preset that is no longer planned when the sink can, instead of zeroing them", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b")]);
    const metrics = incrementLog();
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    expect(metrics.gauges.get("desired:b")).toBe(2);
    world.memory.updatePreset("b", (preset) => ({ ...preset, desiredInstances: -1 }));
    await reconciler.reconcileOnce();
    expect(metrics.removed).toEqual(["b"]);
    expect(metrics.gauges.get("desired:b")).toBe(2);
    await reconciler.reconcileOnce();
    expect(metrics.removed).toEqual(["b"]);
  });

  it("puts the store's organization and template names in the labels of cycles, claims and totals", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1, organizationName: "Acme", templateName: "dev-box" })], { buildTotals: true });
    const labels: PresetLabels[] = [];
    const record = (_name: CounterName | string, presetLabels: PresetLabels | null) => void (presetLabels === null ? undefined : labels.push(presetLabels));
    const metrics: Metrics = { incrementCounter: record, setGauge: record, observeHistogram: record };
    const reconciler = reconcilerFor(world, { metrics });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    await reconciler.claim({ presetId: "a", claimant: { userId: "ana", workspaceName: "dev" } });
    await reconciler.refreshMetrics();
    const expected = { organizationId: "org-1", templateId: "template-1", presetId: "a", presetName: "a-name", organizationName: "Acme", templateName: "dev-box" };
    expect(labels.length).toBe(10);
    for (const entry of labels) expect(entry).toEqual(expected);
  });
});
