import { describe, expect, it } from "vitest";
import {
  calculateActions,
  describeAction,
  EMPTY_MEMORY,
  type GlobalSnapshot,
  nextChangeAt,
  planCycle,
  type Preset,
  type PresetMemory,
  presetConfigurationKey,
  type PresetPlan,
  type ReconcilePolicy,
  type ReconciliationAction,
} from "../../src/index.js";
import { clockAt, emptyGlobal, makePrebuild, makePreset, makeSnapshot, NOW } from "../fixtures.js";

const clock = clockAt(NOW); // 2025-06-02T10:00:00Z
const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
const agoIso = (ms: number) => at(-ms).toISOString();

function preset(id: string, overrides: Partial<Preset> = {}): Preset {
  return makePreset({ id, name: id, ...overrides });
}

/** The `until` of the backoff a snapshot whose last build failed at `lastBuildAt` gets, or null when it creates. */
function backoffUntil(failedBuilds: number, policy: Partial<ReconcilePolicy>, presetId = "preset-a", lastBuildAt = NOW): Date | null {
  const snapshot = makeSnapshot({ preset: makePreset({ id: presetId }), backoff: { failedBuilds, lastBuildAt } });
  const action = calculateActions(snapshot, clockAt(lastBuildAt), policy).find((candidate) => candidate.type === "backoff");
  return action?.type === "backoff" ? action.until : null;
}

/** How long the backoff lasts after the last failed build, in ms. */
function waitMs(failedBuilds: number, policy: Partial<ReconcilePolicy>, presetId = "preset-a"): number | null {
  const until = backoffUntil(failedBuilds, policy, presetId);
  return until === null ? null : until.getTime() - NOW.getTime();
}

function exponential(capMs: number, jitter: number, backoffIntervalMs = MINUTE): Partial<ReconcilePolicy> {
  return { backoffIntervalMs, backoff: { kind: "exponential", capMs, jitter } };
}

function onlyPlan(global: GlobalSnapshot, policy?: Partial<ReconcilePolicy>, now = NOW): PresetPlan {
  const plan = planCycle(global, clockAt(now), policy);
  expect(plan.invalid).toEqual([]);
  expect(plan.presets).toHaveLength(1);
  return plan.presets[0] as PresetPlan;
}

describe("backoff — linear (the default)", () => {
  it("waits failedBuilds × backoffIntervalMs, with or without { kind: 'linear' }", () => {
    for (const failed of [1, 2, 7, 40]) {
      expect(waitMs(failed, {})).toBe(failed * MINUTE);
      expect(waitMs(failed, { backoffIntervalMs: MINUTE, backoff: { kind: "linear" } })).toBe(failed * MINUTE);
      expect(waitMs(failed, { backoffIntervalMs: 7 * SECOND, backoff: { kind: "linear" } })).toBe(failed * 7 * SECOND);
    }
  });

  it("has no jitter: every preset waits alike", () => {
    expect(new Set(["a", "b", "c", "d"].map((id) => waitMs(3, {}, id)))).toEqual(new Set([3 * MINUTE]));
  });
});

describe("backoff — exponential", () => {
  it("waits min(cap, base × 2^(failed − 1)) without jitter", () => {
    const policy = exponential(10 * MINUTE, 0);
    expect([1, 2, 3, 4, 5, 6, 20].map((failed) => waitMs(failed, policy))).toEqual([
      1 * MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      8 * MINUTE,
      10 * MINUTE,
      10 * MINUTE,
      10 * MINUTE,
    ]);
  });

  it("takes the base from backoffIntervalMs", () => {
    const policy = exponential(HOUR, 0, 5 * SECOND);
    expect([1, 2, 3, 10].map((failed) => waitMs(failed, policy))).toEqual([5 * SECOND, 10 * SECOND, 20 * SECOND, 2560 * SECOND]);
  });

  it("says so in the backoff's reason, and creates resume the millisecond after until", () => {
    const policy = exponential(10 * MINUTE, 0);
    const snapshot = makeSnapshot({ backoff: { failedBuilds: 3, lastBuildAt: at(-MINUTE) } });
    expect(calculateActions(snapshot, clock, policy)).toEqual([
      {
        type: "backoff",
        until: at(3 * MINUTE),
        reason: "desired 2 (base count), 0 running, 0 starting, but 3 recent creates failed: back off until 2025-06-02T10:03:00.000Z instead of creating 2",
      },
    ]);
    expect(nextChangeAt(snapshot, clock, policy)).toEqual(at(3 * MINUTE + 1));
    expect(calculateActions(snapshot, clockAt(at(3 * MINUTE)), policy).map((action) => action.type)).toEqual(["backoff"]);
    expect(calculateActions(snapshot, clockAt(at(3 * MINUTE + 1)), policy).map((action) => action.type)).toEqual(["create"]);
  });

  it("shortens each wait by at most `jitter` of itself", () => {
    const policy = exponential(HOUR, 0.5);
    for (let index = 0; index < 50; index += 1) {
      for (const failed of [1, 3, 12]) {
        const full = Math.min(HOUR, MINUTE * 2 ** (failed - 1));
        const wait = waitMs(failed, policy, `preset-${index}`) ?? -1;
        expect(wait <= full && wait >= Math.floor(full * 0.5)).toBe(true);
      }
    }
  });

  it("is deterministic per preset id and failure count, so replicas agree", () => {
    const policy = exponential(HOUR, 0.2);
    expect(waitMs(4, policy, "eu-small")).toBe(waitMs(4, policy, "eu-small"));
    const fromCycle = onlyPlan(emptyGlobal({ presets: [preset("eu-small")], backoffs: [{ presetId: "eu-small", failedBuilds: 4, lastBuildAt: NOW }] }), policy).actions[0];
    expect(fromCycle?.type === "backoff" ? fromCycle.until : null).toEqual(backoffUntil(4, policy, "eu-small"));
  });

  it("draws a new jitter for each failure count", () => {
    // With the cap reached, only the jitter differs between failure counts.
    const policy = exponential(MINUTE, 1);
    const waits = new Set([10, 11, 12, 13, 14, 15, 16, 17].map((failed) => waitMs(failed, policy, "eu-small")));
    expect(waits.size).toBe(8);
  });

  it("spreads presets that failed together over the whole jitter range", () => {
    const policy = exponential(HOUR, 0.5);
    const full = 4 * MINUTE; // 3 failures
    const quarters = new Set<number>();
    for (let index = 0; index < 200; index += 1) {
      const wait = waitMs(3, policy, `preset-${index}`) ?? -1;
      quarters.add(Math.min(3, Math.floor(((full - wait) / (full * 0.5)) * 4)));
    }
    expect([...quarters].sort()).toEqual([0, 1, 2, 3]);
  });

  it("never waits longer than the cap, whatever the failure count", () => {
    const policy = exponential(7 * MINUTE, 0.3);
    for (let failed = 1; failed <= 80; failed += 1) expect((waitMs(failed, policy) ?? Infinity) <= 7 * MINUTE).toBe(true);
  });

  it("handles huge failure counts: the cap, never Infinity, NaN or the end of time", () => {
    const policy = exponential(10 * MINUTE, 0);
    expect(waitMs(1024, policy)).toBe(10 * MINUTE);
    expect(waitMs(1025, policy)).toBe(10 * MINUTE);
    expect(waitMs(1_000_000, policy)).toBe(10 * MINUTE);
    expect(waitMs(Number.MAX_SAFE_INTEGER, policy)).toBe(10 * MINUTE);
  });

  it("waits nothing with a base of 0, however many builds failed", () => {
    const policy = exponential(10 * MINUTE, 0.2, 0);
    for (const failed of [1, 2, 1024, 1025, 100_000]) expect(waitMs(failed, policy)).toBe(0);
  });
});

describe("hard limit — probes (hardLimitRetryMs)", () => {
  const policy: Partial<ReconcilePolicy> = { hardLimitRetryMs: 10 * MINUTE };
  const limited = (lastFailedAgoMs: number | null, overrides: Partial<GlobalSnapshot> = {}, desiredInstances = 2): GlobalSnapshot =>
    emptyGlobal({
      presets: [preset("stuck", { desiredInstances })],
      hardLimitedPresetIds: ["stuck"],
      backoffs: lastFailedAgoMs === null ? [] : [{ presetId: "stuck", failedBuilds: 5, lastBuildAt: at(-lastFailedAgoMs) }],
      ...overrides,
    });
  const PROBE_REASON =
    "desired 2 (base count), 0 running, 0 starting; hard-limited, and no create has been tried for 600 s: probe with 1 create (a success lifts the limit)";

  it("does not probe before the time, and says when it will", () => {
    const plan = onlyPlan(limited(5 * MINUTE), policy);
    expect(plan.actions).toEqual([]);
    expect(plan.blocked).toBe("hardLimited");
    expect(plan.blockedReason).toBe("the last creates all failed (hard limit): the next probe create is due at 2025-06-02T10:05:00.000Z");
    expect(plan.nextChangeAt).toEqual(at(5 * MINUTE));
    expect(onlyPlan(limited(10 * MINUTE - 1), policy).actions).toEqual([]);
  });

  it("probes with exactly one create once the time has come, however many are missing", () => {
    for (const agoMs of [10 * MINUTE, 10 * MINUTE + 1, 3 * HOUR]) {
      const plan = onlyPlan(limited(agoMs), policy);
      expect(plan.actions).toEqual([{ type: "create", count: 1, probe: true, reason: PROBE_REASON }]);
      expect(plan.blocked).toBe("hardLimited");
      expect(plan.blockedReason).toBe("the last creates all failed (hard limit): probing with 1 create");
      expect(plan.nextChangeAt).toBeNull();
    }
    const many = onlyPlan(limited(HOUR, {}, 9), policy);
    expect(many.actions.map(describeAction)).toEqual(["create 1 (probe)"]);
  });

  it("gives calculateActions the same probe", () => {
    const snapshot = makeSnapshot({ preset: preset("stuck"), hardLimited: true, backoff: { failedBuilds: 5, lastBuildAt: at(-HOUR) } });
    expect(calculateActions(snapshot, clock, policy)).toEqual([{ type: "create", count: 1, probe: true, reason: PROBE_REASON }]);
  });

  it("does not wait for the backoff: the probe has its own time", () => {
    // 5 failed builds × 1 h of linear backoff would block creates until 14:50; the probe is due at 10:00.
    const plan = onlyPlan(limited(10 * MINUTE), { ...policy, backoffIntervalMs: HOUR });
    expect(plan.actions.map(describeAction)).toEqual(["create 1 (probe)"]);
  });

  it("sends no second probe while one is in flight", () => {
    const plan = onlyPlan(limited(HOUR, { inProgress: [{ presetId: "stuck", transition: "start", count: 1 }] }), policy);
    expect(plan.actions).toEqual([]);
    expect(plan.blockedReason).toBe("the last creates all failed (hard limit): waiting for the create in flight");
    expect(plan.nextChangeAt).toBeNull();
  });

  it("counts a probe the store does not show yet as in flight", () => {
    const first = onlyPlan(limited(HOUR), policy);
    expect(first.memory.expectedCreates).toEqual({ count: 1, fromEarlierCalls: 0, startingBaseline: 0, runningBaseline: [], askedAt: NOW, expiresAt: at(MINUTE) });
    const second = onlyPlan(limited(HOUR, { memory: [{ presetId: "stuck", ...first.memory }] }), policy, at(10 * SECOND));
    expect(second.actions).toEqual([]);
    expect(second.blockedReason).toBe("the last creates all failed (hard limit): waiting for the create in flight");
  });

  it("does not probe without a backoff row, and says why", () => {
    const plan = onlyPlan(limited(null), policy);
    expect(plan.actions).toEqual([]);
    expect(plan.blockedReason).toBe(
      "the last creates all failed (hard limit): no probe, because the snapshot does not say when the last create failed (no backoff row)",
    );
    expect(plan.nextChangeAt).toBeNull();
  });

  it("does not probe when nothing is wanted, and says so", () => {
    for (const global of [
      limited(HOUR, {}, 0),
      limited(HOUR, { running: [makePrebuild("w1", agoIso(HOUR), true, "stuck"), makePrebuild("w2", agoIso(HOUR), true, "stuck")] }),
    ]) {
      const plan = onlyPlan(global, policy);
      expect(plan.actions).toEqual([]);
      expect(plan.blockedReason).toBe("the last creates all failed (hard limit): a probe is due, but no create is needed now");
      expect(plan.nextChangeAt).toBeNull();
    }
  });

  it("still deletes expired prebuilds of a hard-limited preset while probing", () => {
    const global = limited(HOUR, {
      presets: [preset("stuck", { desiredInstances: 2, ttlSeconds: 60 })],
      running: [makePrebuild("old", agoIso(HOUR), true, "stuck")],
    });
    expect(onlyPlan(global, policy).actions.map(describeAction)).toEqual(["delete old", "create 1 (probe)"]);
  });

  it("without the option, waits for a person as before", () => {
    const plan = onlyPlan(limited(3 * HOUR));
    expect(plan.actions).toEqual([]);
    expect(plan.blockedReason).toBe("the last creates all failed (hard limit): no creates until a person fixes the template or the preset, or a create succeeds");
  });

  it("says an inactive hard-limited preset creates nothing anyway", () => {
    const plan = onlyPlan(limited(HOUR, { presets: [preset("stuck", { templateDeprecated: true })], running: [makePrebuild("w", agoIso(HOUR), true, "stuck")] }), policy);
    expect(plan.actions.map(describeAction)).toEqual(["delete w"]);
    expect(plan.blocked).toBe("hardLimited");
    expect(plan.blockedReason).toBe("the last creates all failed (hard limit); the preset is inactive, so it creates nothing anyway");
  });

  it("describes a probe as such", () => {
    expect(describeAction({ type: "create", count: 1, probe: true, reason: "…" })).toBe("create 1 (probe)");
    expect(describeAction({ type: "create", count: 1, probe: false, reason: "…" })).toBe("create 1");
    expect(describeAction({ type: "create", count: 3, reason: "…" })).toBe("create 3");
  });
});

describe("validationFailed — a configuration that cannot build", () => {
  const base = preset("broken", { desiredInstances: 2, ttlSeconds: 3600 });
  const failedWith = (failing: Preset, current: Preset = failing, overrides: Partial<GlobalSnapshot> = {}): GlobalSnapshot =>
    emptyGlobal({
      presets: [current],
      recordedStatuses: [{ presetId: current.id, status: "validationFailed", configurationKey: presetConfigurationKey(failing) }],
      ...overrides,
    });
  const BLOCKED_REASON =
    "a create failed permanently (the provisioner said this configuration cannot build): no creates until the preset's template version or configuration changes";

  it("blocks creates while the recorded key is the preset's current one", () => {
    const plan = planCycle(failedWith(base), clock);
    expect(plan.presets).toHaveLength(1);
    expect(plan.presets[0]?.actions).toEqual([]);
    expect(plan.presets[0]?.blocked).toBe("validationFailed");
    expect(plan.presets[0]?.blockedReason).toBe(BLOCKED_REASON);
    expect(plan.statusChanges).toEqual([]);
  });

  it("gives no backoff and wakes nobody for one", () => {
    const plan = planCycle(failedWith(base, base, { backoffs: [{ presetId: "broken", failedBuilds: 1, lastBuildAt: NOW }] }), clock);
    expect(plan.presets[0]?.actions).toEqual([]);
    expect(plan.nextChangeAt).toBeNull();
  });

  it("still deletes expired and surplus prebuilds", () => {
    const global = failedWith(preset("broken", { desiredInstances: 1, ttlSeconds: 3600 }), undefined, {
      running: [makePrebuild("expired", agoIso(2 * HOUR), true, "broken"), makePrebuild("ready", agoIso(HOUR / 2), true, "broken"), makePrebuild("booting", agoIso(HOUR / 4), false, "broken")],
    });
    const plan = planCycle(global, clock);
    expect(plan.presets[0]?.actions.map(describeAction)).toEqual(["delete expired", "delete booting"]);
    expect(plan.presets[0]?.blocked).toBe("validationFailed");
  });

  it("is read from PresetSnapshot.recordedStatus by calculateActions", () => {
    const snapshot = makeSnapshot({ preset: base, recordedStatus: { status: "validationFailed", configurationKey: presetConfigurationKey(base) } });
    expect(calculateActions(snapshot, clock)).toEqual([]);
    expect(calculateActions({ ...snapshot, recordedStatus: { status: "normal", configurationKey: null } }, clock).map(describeAction)).toEqual(["create 2"]);
  });

  it.each<[string, Partial<Preset>]>([
    ["a new template version", { templateVersionId: "version-3" }],
    ["another base count", { desiredInstances: 3 }],
    ["another TTL", { ttlSeconds: 7200 }],
    ["an invalidation", { lastInvalidatedAt: at(-MINUTE) }],
    ["new schedules", { scheduling: { timezone: "UTC", schedules: [{ cron: "* 0-1 * * *", instances: 1 }] } }],
  ])("lifts by itself after %s, and says the status must go back to normal", (_, change) => {
    const changed = { ...base, ...change };
    const plan = planCycle(failedWith(base, changed), clock);
    const wanted = changed.desiredInstances;
    expect(plan.presets[0]?.actions.map(describeAction)).toEqual([`create ${wanted}`]);
    expect(plan.presets[0]?.blocked).toBeNull();
    expect(plan.presets[0]?.blockedReason).toBeNull();
    expect(plan.statusChanges).toEqual([{ presetId: "broken", preset: changed, from: "validationFailed", to: "normal" }]);
  });

  it("is not lifted by what does not change how the preset builds (deprecation)", () => {
    const deprecated = { ...base, templateDeprecated: true };
    expect(presetConfigurationKey(deprecated)).toBe(presetConfigurationKey(base));
    const plan = planCycle(failedWith(base, deprecated, { running: [makePrebuild("w", agoIso(HOUR), true, "broken")] }), clock);
    expect(plan.presets[0]?.blocked).toBe("validationFailed");
    expect(plan.presets[0]?.actions.map(describeAction)).toEqual(["delete w"]);
    expect(plan.statusChanges).toEqual([]);
  });

  it("hands over to the hard limit when the configuration changed but the last creates all failed", () => {
    const changed = { ...base, templateVersionId: "version-3" };
    const plan = planCycle(failedWith(base, changed, { hardLimitedPresetIds: ["broken"] }), clock);
    expect(plan.presets[0]?.blocked).toBe("hardLimited");
    expect(plan.statusChanges).toEqual([{ presetId: "broken", preset: changed, from: "validationFailed", to: "hardLimited" }]);
  });

  it("takes precedence over the hard limit while the key matches", () => {
    const plan = planCycle(failedWith(base, base, { hardLimitedPresetIds: ["broken"], backoffs: [{ presetId: "broken", failedBuilds: 5, lastBuildAt: at(-HOUR) }] }), clock, {
      hardLimitRetryMs: MINUTE,
    });
    expect(plan.presets[0]?.actions).toEqual([]);
    expect(plan.presets[0]?.blocked).toBe("validationFailed");
    expect(plan.statusChanges).toEqual([]);
  });
});

describe("maxCreatesInFlight", () => {
  const starting = (presetId: string, count: number) => ({ presetId, transition: "start" as const, count });

  it("counts the starting builds of every active preset and shares the room fairly", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("a", { desiredInstances: 4 }), preset("b", { desiredInstances: 4 }), preset("c", { desiredInstances: 1 })],
        inProgress: [starting("a", 2), starting("c", 1)],
      }),
      clock,
      { maxCreatesInFlight: 6 },
    );
    // 3 in flight, room for 3: b misses 4/4, a 2/4; b, b, then a (tie at 2/4 and 2 left, smaller id).
    expect(plan.presets.map((entry) => entry.actions)).toEqual([
      [{ type: "create", count: 1, reason: "desired 4 (base count), 0 running, 2 starting: create 1 of the 2 needed, cut by the limit of 6 creates in flight (3 in flight now)" }],
      [{ type: "create", count: 2, reason: "desired 4 (base count), 0 running, 0 starting: create 2 of the 4 needed, cut by the limit of 6 creates in flight (3 in flight now)" }],
      [],
    ]);
  });

  it("leaves creates alone when they fit", () => {
    const plan = planCycle(emptyGlobal({ presets: [preset("a", { desiredInstances: 3 })], inProgress: [starting("a", 1)] }), clock, { maxCreatesInFlight: 3 });
    expect(plan.presets[0]?.actions).toEqual([{ type: "create", count: 2, reason: "desired 3 (base count), 0 running, 1 starting: create 2" }]);
  });

  it("drops a create cut to 0, but never cuts deletes or cancellations", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("a", { desiredInstances: 5, ttlSeconds: 60 }), preset("old", { usingActiveVersion: false })],
        running: [makePrebuild("expired", agoIso(HOUR), true, "a"), makePrebuild("stale", agoIso(HOUR), true, "old")],
        inProgress: [starting("a", 2)],
        pendingNonActive: [{ presetId: "old", count: 2 }],
      }),
      clock,
      { maxCreatesInFlight: 2 },
    );
    expect(plan.presets.map((entry) => entry.actions.map(describeAction))).toEqual([["delete expired"], ["cancelPending 2", "delete stale"]]);
  });

  // Issue 10 §2: "counts the starting builds of every preset against it". An old version's
  // builds still occupy the provisioner's queue, so they count.
  it("counts the builds of an inactive preset too", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("a", { desiredInstances: 2 }), preset("old", { usingActiveVersion: false })],
        running: [makePrebuild("stale", agoIso(HOUR), true, "old")],
        inProgress: [starting("old", 5)],
      }),
      clock,
      { maxCreatesInFlight: 2 },
    );
    // "old" has 5 builds in flight, more than the cap: "a" gets no create this cycle.
    expect(plan.presets.map((entry) => [entry.presetId, entry.actions.map(describeAction)])).toEqual([
      ["a", []],
      ["old", ["delete stale"]],
    ]);
  });

  it("counts creates asked for but not visible yet as in flight", () => {
    const memory: PresetMemory = { ...EMPTY_MEMORY, expectedCreates: { count: 2, fromEarlierCalls: 0, startingBaseline: 0, runningBaseline: [], askedAt: NOW, expiresAt: at(MINUTE) } };
    const plan = planCycle(
      emptyGlobal({ presets: [preset("a", { desiredInstances: 4 }), preset("b", { desiredInstances: 2 })], memory: [{ presetId: "a", ...memory }] }),
      clock,
      { maxCreatesInFlight: 3 },
    );
    expect(plan.presets.map((entry) => entry.actions)).toEqual([
      [],
      [
        {
          type: "create",
          count: 1,
          reason: "desired 2 (base count), 0 running, 0 starting: create 1 of the 2 needed, cut by the limit of 3 creates in flight (2 in flight now)",
        },
      ],
    ]);
  });

  it("applies the smaller of the two limits and names it", () => {
    const global = emptyGlobal({ presets: [preset("a", { desiredInstances: 10 })], inProgress: [starting("a", 4)] });
    const reasonOf = (policy: Partial<ReconcilePolicy>) => planCycle(global, clock, policy).presets[0]?.actions[0]?.reason;
    expect(reasonOf({ maxCreatesInFlight: 7, maxCreatesPerCycle: 5 })).toBe(
      "desired 10 (base count), 0 running, 4 starting: create 3 of the 6 needed, cut by the limit of 7 creates in flight (4 in flight now)",
    );
    expect(reasonOf({ maxCreatesInFlight: 9, maxCreatesPerCycle: 2 })).toBe(
      "desired 10 (base count), 0 running, 4 starting: create 2 of the 6 needed, cut by the cycle budget of 2 creates",
    );
  });

  it("cuts the probe of a hard-limited preset like any create", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("stuck")],
        hardLimitedPresetIds: ["stuck"],
        backoffs: [{ presetId: "stuck", failedBuilds: 5, lastBuildAt: at(-HOUR) }],
        inProgress: [],
      }),
      clock,
      { hardLimitRetryMs: MINUTE, maxCreatesInFlight: 0 },
    );
    expect(plan.presets[0]?.actions).toEqual([]);
  });
});

describe("slow start", () => {
  const policy: Partial<ReconcilePolicy> = { slowStart: true };
  const cycle = (state: { running?: number; starting?: number; memory?: PresetMemory; desired?: number; backoff?: GlobalSnapshot["backoffs"][number] }, now = NOW) =>
    onlyPlan(
      emptyGlobal({
        presets: [preset("a", { desiredInstances: state.desired ?? 7 })],
        running: Array.from({ length: state.running ?? 0 }, (_, index) => makePrebuild(`w${index}`, agoIso(HOUR), true, "a")),
        inProgress: state.starting ? [{ presetId: "a", transition: "start", count: state.starting }] : [],
        backoffs: state.backoff ? [state.backoff] : [],
        memory: state.memory ? [{ presetId: "a", ...state.memory }] : [],
      }),
      policy,
      now,
    );
  const creates = (actions: readonly ReconciliationAction[]) => actions.map(describeAction);

  it("starts with a window of 1", () => {
    const plan = cycle({});
    expect(plan.actions).toEqual([
      {
        type: "create",
        count: 1,
        reason: "desired 7 (base count), 0 running, 0 starting: create 1 of the 7 needed, cut by slow start (at most 1 in flight while builds keep succeeding)",
      },
    ]);
    expect(plan.memory).toEqual({
      expectedCreates: { count: 1, fromEarlierCalls: 0, startingBaseline: 0, runningBaseline: [], askedAt: NOW, expiresAt: at(MINUTE) },
      expectedDeletes: [],
      desiredPeaks: [],
      createWindow: 1,
      createWindowUsed: true,
    });
  });

  it("waits while the round is in flight, then doubles the window: 1, 2, 4", () => {
    const first = cycle({});
    const inFlight = cycle({ starting: 1, memory: first.memory }, at(10 * SECOND));
    expect(inFlight.actions).toEqual([]);
    expect(inFlight.memory).toEqual({ ...EMPTY_MEMORY, createWindow: 1, createWindowUsed: true });
    const second = cycle({ running: 1, memory: inFlight.memory }, at(20 * SECOND));
    expect(second.actions).toEqual([
      {
        type: "create",
        count: 2,
        reason: "desired 7 (base count), 1 running, 0 starting: create 2 of the 6 needed, cut by slow start (at most 2 in flight while builds keep succeeding)",
      },
    ]);
    expect(second.memory.createWindow).toBe(2);
    expect(second.memory.createWindowUsed).toBe(true);
    const third = cycle({ running: 3, memory: { ...second.memory, expectedCreates: null } }, at(30 * SECOND));
    expect(creates(third.actions)).toEqual(["create 4"]);
    expect(third.memory.createWindow).toBe(4);
  });

  it("does not grow the window while builds of the round are still starting", () => {
    const plan = cycle({ running: 1, starting: 1, memory: { ...EMPTY_MEMORY, createWindow: 2, createWindowUsed: true } });
    expect(plan.actions).toEqual([
      {
        type: "create",
        count: 1,
        reason: "desired 7 (base count), 1 running, 1 starting: create 1 of the 5 needed, cut by slow start (at most 2 in flight while builds keep succeeding)",
      },
    ]);
    expect(plan.memory.createWindow).toBe(2);
  });

  it("limits creates to the window minus what is starting", () => {
    const plan = cycle({ starting: 3, memory: { ...EMPTY_MEMORY, createWindow: 4, createWindowUsed: false } });
    expect(plan.actions).toEqual([
      {
        type: "create",
        count: 1,
        reason: "desired 7 (base count), 0 running, 3 starting: create 1 of the 4 needed, cut by slow start (at most 4 in flight while builds keep succeeding)",
      },
    ]);
    expect(cycle({ starting: 5, memory: { ...EMPTY_MEMORY, createWindow: 4, createWindowUsed: false } }).actions).toEqual([]);
  });

  it("creates all that is missing when the window is larger", () => {
    const plan = cycle({ running: 5, memory: { ...EMPTY_MEMORY, createWindow: 8, createWindowUsed: true } });
    expect(plan.actions).toEqual([{ type: "create", count: 2, reason: "desired 7 (base count), 5 running, 0 starting: create 2" }]);
    expect(plan.memory.createWindow).toBe(16);
  });

  it("keeps its window while the pool is full: only a failure sends it back to 1", () => {
    // The last round is still starting and covers what is missing: the window stays, in use.
    const covering = cycle({ running: 3, starting: 4, memory: { ...EMPTY_MEMORY, createWindow: 4, createWindowUsed: true } });
    expect(covering.actions).toEqual([]);
    expect(covering.memory).toEqual({ ...EMPTY_MEMORY, createWindow: 4, createWindowUsed: true });
    // The round has landed and the pool is full: the window grows for the next burst.
    const full = cycle({ running: 7, memory: covering.memory });
    expect(full.actions).toEqual([]);
    expect(full.memory).toEqual({ ...EMPTY_MEMORY, createWindow: 8, createWindowUsed: false });
    // Claims take 5: all 5 are made at once.
    expect(creates(cycle({ running: 2, memory: full.memory }).actions)).toEqual(["create 5"]);
    // With a failure on record, a full pool goes back to 1.
    expect(cycle({ running: 7, memory: full.memory, backoff: { presetId: "a", failedBuilds: 1, lastBuildAt: at(-HOUR) } }).memory.createWindow).toBe(1);
  });

  it("goes back to 1 after a failure (a backoff row), even once the backoff has passed", () => {
    const plan = cycle({ running: 3, memory: { ...EMPTY_MEMORY, createWindow: 8, createWindowUsed: true }, backoff: { presetId: "a", failedBuilds: 1, lastBuildAt: at(-HOUR) } });
    expect(plan.actions).toEqual([
      {
        type: "create",
        count: 1,
        reason: "desired 7 (base count), 3 running, 0 starting: create 1 of the 4 needed, cut by slow start (at most 1 in flight while builds keep succeeding)",
      },
    ]);
    expect(plan.memory.createWindow).toBe(1);
    expect(plan.memory.createWindowUsed).toBe(true);
  });

  it("resets the window during a backoff", () => {
    const plan = cycle({ running: 3, memory: { ...EMPTY_MEMORY, createWindow: 8, createWindowUsed: true }, backoff: { presetId: "a", failedBuilds: 1, lastBuildAt: NOW } });
    expect(plan.actions.map((action) => action.type)).toEqual(["backoff"]);
    expect(plan.memory).toEqual(EMPTY_MEMORY);
  });

  it("is off by default: all that is missing at once, and nothing remembered about windows", () => {
    const plan = onlyPlan(emptyGlobal({ presets: [preset("a", { desiredInstances: 7 })] }));
    expect(creates(plan.actions)).toEqual(["create 7"]);
    expect(plan.memory.createWindow).toBe(1);
    expect(plan.memory.createWindowUsed).toBe(false);
  });

  it("shares the cycle budget after the window has cut", () => {
    const plan = onlyPlan(emptyGlobal({ presets: [preset("a", { desiredInstances: 7 })], memory: [{ presetId: "a", ...EMPTY_MEMORY, createWindow: 4, createWindowUsed: false }] }), {
      slowStart: true,
      maxCreatesPerCycle: 3,
    });
    expect(plan.actions).toEqual([
      { type: "create", count: 3, reason: "desired 7 (base count), 0 running, 0 starting: create 3 of the 4 needed, cut by the cycle budget of 3 creates" },
    ]);
  });
});
