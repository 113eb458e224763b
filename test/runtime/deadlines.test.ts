import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ArgumentValidationError,
  CycleInterruptedError,
  findMatchingPreset,
  PortTimeoutError,
  Reconciler,
  type Logger,
  type Provisioner,
  type ReconcilerOptions,
  type Store,
} from "../../src/index.js";
import { thrownError } from "../fixtures.js";
import { makeWorld, memoryPreset, readyPrebuilds, SYSTEM_USER, type World } from "./world.js";

/** A promise that never settles, as a hung HTTP call or a database waiting on a lock would. */
const never = () => new Promise<never>(() => {});

const FAST = { storeMs: 40, provisionerMs: 40, notifierMs: 40, cycleMs: 400 } as const;

function reconcilerFor(world: World, overrides: Partial<ReconcilerOptions> = {}): Reconciler {
  return new Reconciler({ store: world.store, provisioner: world.provisioner, clock: world.clock, systemUserId: SYSTEM_USER, timeouts: FAST, ...overrides });
}

/** Every unhandled rejection while a test runs; each test asserts there was none. */
let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  // Rejections are reported on a later turn: give them one before looking.
  await new Promise((resolve) => setTimeout(resolve, 20));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

function recordingLogger(): Logger & { readonly lines: { level: string; message: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, message, fields });
  return { lines, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

describe("Reconciler — deadlines on port calls (SPEC §12)", () => {
  it("reports a createPrebuilds that never settles as a timeout, reconciles the other presets, and releases the lock", async () => {
    const world = makeWorld([memoryPreset("hung"), memoryPreset("fine")]);
    world.provisionerFailures.set("createPrebuilds", (args) => ((args[0] as { id: string }).id === "hung" ? "hang" : undefined));
    const provisioner: Provisioner = {
      ...world.simulator,
      createPrebuilds: (preset, count, context) => (preset.id === "hung" ? never() : world.simulator.createPrebuilds(preset, count, context)),
      deletePrebuild: (id, context) => world.simulator.deletePrebuild(id, context),
      cancelPendingAndOrphanDelete: (id, context) => world.simulator.cancelPendingAndOrphanDelete(id, context),
    };
    const stats = await reconcilerFor(world, { provisioner }).reconcileOnce();
    expect(stats.failures).toEqual([
      { presetId: "hung", operation: "provisioner.createPrebuilds", message: "provisioner.createPrebuilds did not settle within 40 ms", code: "PORT_TIMEOUT" },
    ]);
    expect(stats.actions.create).toBe(1);
    expect(stats.interruptedBy).toBeNull();
    expect(world.memory.lockHeld).toBe(false);
    world.advance(120_000);
    expect(readyPrebuilds(world, "fine")).toBe(2);
  });

  it("gives the signal of each call to the port, aborted when its deadline passes", async () => {
    const world = makeWorld([memoryPreset("a")]);
    let seen: AbortSignal | undefined;
    const provisioner: Provisioner = {
      createPrebuilds: (_preset, _count, context) => {
        seen = context?.signal;
        return never();
      },
      deletePrebuild: async () => {},
      cancelPendingAndOrphanDelete: async () => 0,
    };
    await reconcilerFor(world, { provisioner }).reconcileOnce();
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(PortTimeoutError);
  });

  it("ends a cycle at its deadline and releases the lock, even when a store read never settles", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const store: Store = Object.assign(Object.create(world.memory) as Store, { loadSnapshot: never });
    const reconciler = reconcilerFor(world, { store, timeouts: { ...FAST, storeMs: 60_000, cycleMs: 60 } });
    const stats = await reconciler.reconcileOnce();
    expect(stats.interruptedBy).toBe("cycleDeadline");
    expect(stats.failures).toEqual([{ presetId: null, operation: "cycle", message: "the cycle passed its deadline (timeouts.cycleMs)", code: "CYCLE_INTERRUPTED" }]);
    expect(world.memory.lockHeld).toBe(false);
  });

  it("gives up on a lock that cannot be taken within the store deadline", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const store: Store = Object.assign(Object.create(world.memory) as Store, { withReconciliationLock: never });
    const stats = await reconcilerFor(world, { store }).reconcileOnce();
    expect(stats.lockAcquired).toBe(false);
    expect(stats.failures.map((failure) => [failure.operation, failure.code])).toEqual([["store.withReconciliationLock", "PORT_TIMEOUT"]]);
  });

  it("logs a result that arrives after its deadline and never applies it twice", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })]);
    const logger = recordingLogger();
    let release: () => void = () => {};
    const provisioner: Provisioner = {
      // The build is queued, but the reply comes late: after the deadline.
      createPrebuilds: async (preset, count, context) => {
        await world.simulator.createPrebuilds(preset, count, context);
        await new Promise<void>((resolve) => (release = resolve));
      },
      deletePrebuild: (id, context) => world.simulator.deletePrebuild(id, context),
      cancelPendingAndOrphanDelete: (id, context) => world.simulator.cancelPendingAndOrphanDelete(id, context),
    };
    const reconciler = reconcilerFor(world, { provisioner, logger });
    const first = await reconciler.reconcileOnce();
    expect(first.failures.map((failure) => failure.code)).toEqual(["PORT_TIMEOUT"]);
    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(logger.lines.filter((line) => line.message.includes("settled after it was abandoned")).map((line) => line.fields)).toEqual([
      { operation: "provisioner.createPrebuilds", outcome: "resolved" },
    ]);
    // The build it queued is in flight: the next cycle sees it and creates nothing more.
    const second = await reconciler.reconcileOnce();
    expect(second.actions.create).toBe(0);
    world.advance(120_000);
    expect(world.memory.listWorkspaces().filter((workspace) => !workspace.deleted)).toHaveLength(1);
  });

  it("expects nothing of a create that was abandoned at its deadline and rejected later", async () => {
    const world = makeWorld([memoryPreset("a", { desiredInstances: 1 })]);
    let refuse: (error: Error) => void = () => {};
    let calls = 0;
    const provisioner: Provisioner = {
      createPrebuilds: (preset, count, context) => {
        calls += 1;
        // The first call answers "no" only after its deadline; the second succeeds at once.
        return calls === 1 ? new Promise<void>((_, reject) => (refuse = reject)) : world.simulator.createPrebuilds(preset, count, context);
      },
      deletePrebuild: (id, context) => world.simulator.deletePrebuild(id, context),
      cancelPendingAndOrphanDelete: (id, context) => world.simulator.cancelPendingAndOrphanDelete(id, context),
    };
    const reconciler = reconcilerFor(world, { provisioner });
    expect((await reconciler.reconcileOnce()).failures.map((failure) => failure.code)).toEqual(["PORT_TIMEOUT"]);
    // Unknown outcome: the create is expected, so the next cycle waits rather than risk a second one.
    expect((await reconciler.reconcileOnce()).actions.create).toBe(0);
    refuse(new Error("stale fencing token"));
    await new Promise((resolve) => setTimeout(resolve, 0));
    // Now the port has said it did nothing: the next cycle creates at once, not after the expectation expires.
    expect((await reconciler.reconcileOnce()).actions.create).toBe(1);
  });

  it("bounds a notifier that never settles by its deadline, after the status is recorded", async () => {
    const world = makeWorld([memoryPreset("a")], { failureRate: 1, hardLimit: 1 });
    const reconciler = reconcilerFor(world, { notifier: { hardLimitReached: never, resourcesReplaced: never } });
    await reconciler.reconcileOnce();
    world.advance(120_000);
    const stats = await reconciler.reconcileOnce();
    expect(world.memory.presetStatus("a")).toBe("hardLimited");
    expect(stats.failures).toEqual([{ presetId: "a", operation: "notifier.hardLimitReached", message: "notifier.hardLimitReached did not settle within 40 ms", code: "PORT_TIMEOUT" }]);
  });
});

describe("Reconciler — stopping (SPEC §12)", () => {
  it("stop() returns while a port never settles, and the cycle in flight reports that it was stopped", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const cycles: string[] = [];
    const provisioner: Provisioner = { createPrebuilds: never, deletePrebuild: never, cancelPendingAndOrphanDelete: never };
    const reconciler = reconcilerFor(world, {
      provisioner,
      timeouts: { storeMs: 60_000, provisionerMs: 60_000, notifierMs: 60_000, cycleMs: 60_000 },
      onCycle: (stats) => cycles.push(stats.interruptedBy ?? "ran to its end"),
    });
    reconciler.start({ intervalMs: 60_000 });
    await vi.waitFor(() => expect(world.memory.lockHeld).toBe(true));
    await reconciler.stop();
    expect(cycles).toEqual(["stopped"]);
    expect(world.memory.lockHeld).toBe(false);
  });

  it("an aborted start signal stops the loop the same way", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const provisioner: Provisioner = { createPrebuilds: never, deletePrebuild: never, cancelPendingAndOrphanDelete: never };
    const cycles: (string | null)[] = [];
    const reconciler = reconcilerFor(world, { provisioner, timeouts: { ...FAST, provisionerMs: 60_000, cycleMs: 60_000 }, onCycle: (stats) => cycles.push(stats.interruptedBy) });
    const shutdown = new AbortController();
    reconciler.start({ intervalMs: 60_000, signal: shutdown.signal });
    await vi.waitFor(() => expect(world.memory.lockHeld).toBe(true));
    shutdown.abort();
    await vi.waitFor(() => expect(cycles).toEqual(["stopped"]));
    expect(reconciler.health().loopRunning).toBe(false);
  });
});

describe("Reconciler — a lost lock (SPEC §12)", () => {
  it("stops acting at once when the lease is lost mid-cycle: no call after the loss", async () => {
    const world = makeWorld(["a", "b", "c"].map((id) => memoryPreset(id)));
    const calls: string[] = [];
    const provisioner: Provisioner = {
      createPrebuilds: async (preset, count, context) => {
        calls.push(preset.id);
        if (preset.id === "a") world.memory.loseLock();
        await world.simulator.createPrebuilds(preset, count, context);
      },
      deletePrebuild: (id, context) => world.simulator.deletePrebuild(id, context),
      cancelPendingAndOrphanDelete: (id, context) => world.simulator.cancelPendingAndOrphanDelete(id, context),
    };
    const stats = await reconcilerFor(world, { provisioner, maxDbConnections: 2 }).reconcileOnce();
    expect(calls).toEqual(["a"]);
    expect(stats.interruptedBy).toBe("lockLost");
    expect(stats.failures.at(-1)).toEqual({ presetId: null, operation: "cycle", message: "the reconciliation lock was lost: this replica stopped acting at once", code: "CYCLE_INTERRUPTED" });
  });

  it("passes the lease's fencing token to every side effect", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const tokens: (string | null)[] = [];
    const provisioner: Provisioner = {
      createPrebuilds: async (preset, count, context) => {
        tokens.push(context?.fencingToken ?? null);
        await world.simulator.createPrebuilds(preset, count, context);
      },
      deletePrebuild: async () => {},
      cancelPendingAndOrphanDelete: async () => 0,
    };
    const reconciler = reconcilerFor(world, { provisioner });
    await reconciler.reconcileOnce();
    expect(tokens).toEqual(["1"]);
  });
});

describe("Reconciler — whatever a port throws (SPEC §12)", () => {
  const oddities: [string, () => unknown, string][] = [
    ["an object without a prototype", () => Object.create(null), "a non-Error object was thrown"],
    ["an object whose toString throws", () => ({ toString: () => { throw new Error("no"); } }), "a value that cannot be described was thrown"],
    ["undefined", () => undefined, "undefined"],
    ["a string", () => "quota", "quota"],
  ];

  it.each(oddities)("reports a port that rejects with %s, and the cycle resolves", async (_name, value, message) => {
    const world = makeWorld([memoryPreset("a")]);
    const provisioner: Provisioner = {
      createPrebuilds: () => Promise.reject(value()),
      deletePrebuild: async () => {},
      cancelPendingAndOrphanDelete: async () => 0,
    };
    const stats = await reconcilerFor(world, { provisioner }).reconcileOnce();
    expect(stats.failures).toEqual([{ presetId: "a", operation: "provisioner.createPrebuilds", message, code: null }]);
  });

  it("reports a store that throws synchronously instead of rejecting", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const store: Store = Object.assign(Object.create(world.memory) as Store, {
      loadSnapshot: () => {
        throw Object.create(null);
      },
    });
    const stats = await reconcilerFor(world, { store }).reconcileOnce();
    expect(stats.failures).toEqual([{ presetId: null, operation: "store.loadSnapshot", message: "a non-Error object was thrown", code: null }]);
  });

  it("swallows an async Metrics implementation's rejections: reported once, never unhandled", async () => {
    const world = makeWorld([memoryPreset("a"), memoryPreset("b")]);
    const metrics = {
      incrementCounter: async () => Promise.reject(new Error("push gateway down")),
      setGauge: async () => Promise.reject(new Error("push gateway down")),
      observeHistogram: async () => Promise.reject(new Error("push gateway down")),
    };
    const reconciler = reconcilerFor(world, { metrics });
    const stats = await reconciler.reconcileOnce();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(stats.actions.create).toBe(2);
    const claim = await reconciler.claim({ presetId: "a", claimant: { userId: "u", workspaceName: "w" } });
    expect(claim.status).toBe("unavailable");
  });

  it("never lets a throwing onCycle or logger change what a cycle does", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const explode = () => {
      throw new Error("sink full");
    };
    const stats = await reconcilerFor(world, { onCycle: explode, logger: { debug: explode, info: explode, warn: explode, error: explode } }).reconcileOnce();
    expect(stats.actions.create).toBe(1);
    expect(stats.errors).toBe(0);
  });
});

describe("Reconciler — typed errors for unusable arguments (SPEC §12)", () => {
  it("refuses a claim without parameters with an ArgumentValidationError, before touching the store", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const reconciler = reconcilerFor(world);
    const error = await reconciler.claim({ templateVersionId: "v", parameters: null as unknown as Record<string, string>, claimant: { userId: "u", workspaceName: "w" } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues).toEqual([{ path: "parameters", message: "must be an object whose values are strings, got null" }]);
    expect(world.log.count("store")).toBe(0);
  });

  it("refuses ids with a NUL character, naming each", async () => {
    const world = makeWorld([memoryPreset("a")]);
    const error = await reconcilerFor(world)
      .claim({ presetId: "a\u0000b", claimant: { userId: "", workspaceName: "w\u0000" } })
      .catch((caught: unknown) => caught);
    expect((error as ArgumentValidationError).issues).toEqual([
      { path: "presetId", message: "must not contain a NUL character" },
      { path: "claimant.userId", message: 'must be a non-empty string, got ""' },
      { path: "claimant.workspaceName", message: "must not contain a NUL character" },
    ]);
  });

  it("findMatchingPreset refuses parameters that are not an object of strings", () => {
    const error = thrownError(() => findMatchingPreset([{ id: "p", parameters: { region: 3 as unknown as string } }], null as unknown as Record<string, string>));
    expect(error).toBeInstanceOf(ArgumentValidationError);
    expect((error as ArgumentValidationError).issues.map((issue) => issue.path)).toEqual(["presets[0].parameters.region", "parameters"]);
  });

  it("refuses unusable options at construction, naming each", () => {
    const world = makeWorld([]);
    const error = thrownError(() => reconcilerFor(world, { systemUserId: "", timeouts: { storeMs: -1, cycleMs: Number.NaN, typo: 1 } as never, provisioner: {} as Provisioner }));
    expect((error as ArgumentValidationError).issues.map((issue) => issue.path)).toEqual([
      "provisioner.createPrebuilds",
      "provisioner.deletePrebuild",
      "provisioner.cancelPendingAndOrphanDelete",
      "systemUserId",
      "timeouts.storeMs",
      "timeouts.cycleMs",
      "timeouts.typo",
    ]);
  });

  it("is a CycleInterruptedError with a code, for hosts that catch by class", () => {
    const error = new CycleInterruptedError("lockLost");
    expect([error.code, error.interruptedBy, error.name]).toEqual(["CYCLE_INTERRUPTED", "lockLost", "CycleInterruptedError"]);
  });
});
