import { describe, expect, it } from "vitest";
import { calculateActions, calculateState, canSkipReconciliation, type PresetSnapshot } from "../../src/index.js";
import { clockAt, makePrebuild, makePreset, makeSnapshot, NOW } from "../fixtures.js";

const clock = clockAt(NOW); // 2025-06-02T10:00:00Z
const HOUR = 3_600_000;
const agoIso = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

describe("calculateState", () => {
  it("counts running, expired, eligible and in-flight builds of an active preset", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ desiredInstances: 1, ttlSeconds: 3600 }),
      running: [
        makePrebuild("old", agoIso(2 * HOUR)),
        makePrebuild("ready", agoIso(HOUR / 2)),
        makePrebuild("booting", agoIso(HOUR / 4), false),
      ],
      inProgress: { start: 1, stop: 2, delete: 3 },
    });
    expect(calculateState(snapshot, clock)).toEqual({
      actual: 3,
      desired: 1,
      eligible: 1,
      extraneous: 1,
      expired: 1,
      starting: 1,
      stopping: 2,
      deleting: 3,
      scheduledTarget: 1,
      targetSource: "scheduled",
      expressionError: null,
    });
  });

  it("wants nothing of an inactive preset, whatever its schedules say", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ usingActiveVersion: false, desiredInstances: 3, scheduling: { timezone: "UTC", schedules: [{ cron: "* * * * *", instances: 5 }] } }),
      running: [makePrebuild("w1", agoIso(HOUR))],
    });
    expect(calculateState(snapshot, clock)).toEqual({
      actual: 1,
      desired: 0,
      eligible: 0,
      extraneous: 0,
      expired: 0,
      starting: 0,
      stopping: 0,
      deleting: 0,
      scheduledTarget: 0,
      targetSource: "scheduled",
      expressionError: null,
    });
  });
});

describe("calculateActions — inactive presets", () => {
  const running = [makePrebuild("w2", agoIso(HOUR)), makePrebuild("w1", agoIso(3 * HOUR)), makePrebuild("w3", agoIso(HOUR), false)];

  it("cancels pending creates and deletes every prebuild, oldest first, when the template is deprecated", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ templateDeprecated: true, ttlSeconds: 7200 }),
      running,
      pendingNonActive: 2,
    });
    expect(calculateActions(snapshot, clock)).toEqual([
      { type: "cancelPending", count: 2, reason: "preset is inactive (its template is deprecated): cancel its 2 queued create jobs and delete their workspaces" },
      { type: "delete", workspaceIds: ["w1", "w2", "w3"], reason: "preset is inactive (its template is deprecated): delete all 3 running prebuilds, oldest first" },
    ]);
  });

  it("only cancels when an outdated version has no running prebuilds", () => {
    const snapshot = makeSnapshot({ preset: makePreset({ usingActiveVersion: false }), pendingNonActive: 1 });
    expect(calculateActions(snapshot, clock)).toEqual([
      {
        type: "cancelPending",
        count: 1,
        reason: "preset is inactive (its template version is no longer the active one): cancel its 1 queued create job and delete its workspace",
      },
    ]);
  });

  it("never creates or backs off for a deleted template, even in backoff with a desired count", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ templateDeleted: true, desiredInstances: 5 }),
      running: [makePrebuild("w1", agoIso(HOUR))],
      backoff: { failedBuilds: 3, lastBuildAt: NOW },
    });
    expect(calculateActions(snapshot, clock)).toEqual([
      { type: "delete", workspaceIds: ["w1"], reason: "preset is inactive (its template was deleted): delete its 1 running prebuild" },
    ]);
  });

  it("deletes expired prebuilds of inactive presets too (the Go system left them)", () => {
    const snapshot = makeSnapshot({ preset: makePreset({ usingActiveVersion: false, ttlSeconds: 60 }), running: [makePrebuild("stale", agoIso(5 * HOUR))] });
    expect(calculateActions(snapshot, clock)).toEqual([
      {
        type: "delete",
        workspaceIds: ["stale"],
        reason: "preset is inactive (its template version is no longer the active one): delete its 1 running prebuild",
      },
    ]);
  });

  it("does nothing when there is nothing to cancel or delete", () => {
    expect(calculateActions(makeSnapshot({ preset: makePreset({ templateDeprecated: true }) }), clock)).toEqual([]);
  });
});

describe("calculateActions — active presets and in-progress builds", () => {
  it("creates what is missing, with the numbers in the reason", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ desiredInstances: 3 }),
      running: [makePrebuild("w1", agoIso(HOUR))],
      inProgress: { start: 1, stop: 0, delete: 0 },
    });
    expect(calculateActions(snapshot, clock)).toEqual([{ type: "create", count: 1, reason: "desired 3 (base count), 1 running, 1 starting: create 1" }]);
  });

  it("names the matching schedule in the reason", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ desiredInstances: 0, scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 8-18 * * 1-5", instances: 3 }] } }),
      running: [makePrebuild("w1", agoIso(HOUR))],
      inProgress: { start: 1, stop: 0, delete: 0 },
    });
    expect(calculateActions(snapshot, clock)).toEqual([
      { type: "create", count: 1, reason: "desired 3 (schedule `* 8-18 * * 1-5` in Europe/Berlin), 1 running, 1 starting: create 1" },
    ]);
  });

  // desired 2; the table is (running, starting, stopping, deleting) → create count (0: no action).
  it.each([
    [0, 0, 0, 0, 2],
    [1, 0, 0, 0, 1],
    [2, 0, 0, 0, 0],
    [0, 1, 0, 0, 1],
    [0, 2, 0, 0, 0],
    [0, 3, 0, 0, 0],
    [1, 1, 0, 0, 0],
    [1, 0, 2, 0, 1],
    [1, 0, 0, 2, 1],
    [0, 0, 5, 5, 2],
  ])("with %i running, %i starting, %i stopping, %i deleting: create %i", (running, starting, stopping, deleting, expected) => {
    const snapshot = makeSnapshot({
      running: Array.from({ length: running }, (_, index) => makePrebuild(`w${index}`, agoIso(HOUR))),
      inProgress: { start: starting, stop: stopping, delete: deleting },
    });
    const creates = calculateActions(snapshot, clock).filter((action) => action.type === "create");
    expect(creates).toEqual(expected === 0 ? [] : [{ type: "create", count: expected, reason: `desired 2 (base count), ${running} running, ${starting} starting: create ${expected}` }]);
  });

  it("ignores pendingNonActive for an active preset", () => {
    expect(calculateActions(makeSnapshot({ pendingNonActive: 4, running: [makePrebuild("a", agoIso(HOUR)), makePrebuild("b", agoIso(HOUR))] }), clock)).toEqual([]);
  });
});

describe("calculateActions — expiry", () => {
  const ttl = (running: PresetSnapshot["running"], overrides: Parameters<typeof makePreset>[0] = {}) =>
    makeSnapshot({ preset: makePreset({ desiredInstances: 1, ttlSeconds: 3600, ...overrides }), running });

  it("keeps a prebuild exactly as old as the TTL (expiry is strictly greater)", () => {
    expect(calculateActions(ttl([makePrebuild("edge", agoIso(HOUR))]), clock)).toEqual([]);
  });

  it("deletes a prebuild one millisecond older than the TTL and replaces it", () => {
    expect(calculateActions(ttl([makePrebuild("edge", agoIso(HOUR + 1))]), clock)).toEqual([
      { type: "delete", workspaceIds: ["edge"], reason: "1 prebuild expired (1 older than the TTL of 3600 s): delete 1, oldest first" },
      { type: "create", count: 1, reason: "desired 1 (base count), 0 running, 0 starting: create 1" },
    ]);
  });

  it("deletes expired prebuilds oldest first, then smallest id", () => {
    const running = [makePrebuild("c", agoIso(2 * HOUR)), makePrebuild("b", agoIso(3 * HOUR)), makePrebuild("a", agoIso(2 * HOUR)), makePrebuild("fresh", agoIso(60_000))];
    expect(calculateActions(ttl(running), clock)).toEqual([
      { type: "delete", workspaceIds: ["b", "a", "c"], reason: "3 prebuilds expired (3 older than the TTL of 3600 s): delete 3, oldest first" },
    ]);
  });

  it("expires prebuilds created strictly before the last invalidation", () => {
    const running = [makePrebuild("before", agoIso(HOUR / 2 + 1)), makePrebuild("at", agoIso(HOUR / 2)), makePrebuild("after", agoIso(HOUR / 4))];
    const snapshot = ttl(running, { ttlSeconds: null, desiredInstances: 2, lastInvalidatedAt: new Date(NOW.getTime() - HOUR / 2) });
    expect(calculateActions(snapshot, clock)).toEqual([
      { type: "delete", workspaceIds: ["before"], reason: "1 prebuild expired (1 created before the invalidation at 2025-06-02T09:30:00.000Z): delete 1, oldest first" },
    ]);
  });

  it("counts a prebuild that is both too old and invalidated once, as invalidated", () => {
    const running = [makePrebuild("aged", agoIso(2 * HOUR)), makePrebuild("invalid", agoIso(HOUR / 2))];
    const snapshot = ttl(running, { desiredInstances: 0, lastInvalidatedAt: new Date(NOW.getTime() - HOUR / 4) });
    expect(calculateActions(snapshot, clock)).toEqual([
      {
        type: "delete",
        workspaceIds: ["aged", "invalid"],
        reason: "2 prebuilds expired (2 created before the invalidation at 2025-06-02T09:45:00.000Z): delete 2, oldest first",
      },
    ]);
  });

  it.each([null, 0])("never expires by age with ttlSeconds %s", (ttlSeconds) => {
    expect(calculateActions(ttl([makePrebuild("ancient", "2000-01-01T00:00:00Z")], { ttlSeconds }), clock)).toEqual([]);
  });
});

describe("calculateActions — surplus", () => {
  it("deletes not-ready before ready, then oldest, then smallest id", () => {
    const running = [
      makePrebuild("ready-old", agoIso(5 * HOUR)),
      makePrebuild("ready-new", agoIso(HOUR)),
      makePrebuild("booting-b", agoIso(2 * HOUR), false),
      makePrebuild("booting-a", agoIso(2 * HOUR), false),
      makePrebuild("booting-new", agoIso(HOUR / 2), false),
    ];
    const snapshot = makeSnapshot({ preset: makePreset({ desiredInstances: 1 }), running });
    expect(calculateActions(snapshot, clock)).toEqual([
      {
        type: "delete",
        workspaceIds: ["booting-a", "booting-b", "booting-new", "ready-old"],
        reason: "desired 1 (base count), 5 unexpired running: delete 4 surplus, not-ready first, then oldest",
      },
    ]);
  });

  it("compares ids by code unit, not by locale", () => {
    const running = [makePrebuild("b", agoIso(HOUR)), makePrebuild("B", agoIso(HOUR)), makePrebuild("a", agoIso(HOUR))];
    const actions = calculateActions(makeSnapshot({ preset: makePreset({ desiredInstances: 1 }), running }), clock);
    expect(actions[0]?.type === "delete" && actions[0].workspaceIds).toEqual(["B", "a"]);
  });

  it("deletes expired and surplus prebuilds as two actions, in that order", () => {
    const running = [makePrebuild("expired", agoIso(3 * HOUR)), makePrebuild("x", agoIso(HOUR / 2)), makePrebuild("y", agoIso(HOUR / 4))];
    const snapshot = makeSnapshot({ preset: makePreset({ desiredInstances: 1, ttlSeconds: 3600 }), running });
    expect(calculateActions(snapshot, clock)).toEqual([
      { type: "delete", workspaceIds: ["expired"], reason: "1 prebuild expired (1 older than the TTL of 3600 s): delete 1, oldest first" },
      { type: "delete", workspaceIds: ["x"], reason: "desired 1 (base count), 2 unexpired running: delete 1 surplus, not-ready first, then oldest" },
    ]);
  });
});

describe("calculateActions — backoff", () => {
  // 2 failures, the last 60 s ago: until = last + 2 × 60 s = now + 60 s.
  const inBackoff = (lastBuildAgoMs: number, failedBuilds = 2, overrides: Partial<PresetSnapshot> = {}) =>
    makeSnapshot({ backoff: { failedBuilds, lastBuildAt: new Date(NOW.getTime() - lastBuildAgoMs) }, ...overrides });

  it("replaces a create with a backoff until lastBuildAt + failedBuilds × interval", () => {
    expect(calculateActions(inBackoff(60_000), clock)).toEqual([
      {
        type: "backoff",
        until: new Date("2025-06-02T10:01:00.000Z"),
        reason: "desired 2 (base count), 0 running, 0 starting, but 2 recent creates failed: back off until 2025-06-02T10:01:00.000Z instead of creating 2",
      },
    ]);
  });

  it("still backs off when now equals until", () => {
    expect(calculateActions(inBackoff(120_000), clock).map((action) => action.type)).toEqual(["backoff"]);
  });

  it("creates again one millisecond after until", () => {
    expect(calculateActions(inBackoff(120_001), clock)).toEqual([{ type: "create", count: 2, reason: "desired 2 (base count), 0 running, 0 starting: create 2" }]);
  });

  it("uses the policy's backoff interval", () => {
    const actions = calculateActions(inBackoff(60_000), clock, { backoffIntervalMs: 10_000 });
    expect(actions.map((action) => action.type)).toEqual(["create"]);
    const longer = calculateActions(inBackoff(60_000), clock, { backoffIntervalMs: 600_000 });
    expect(longer[0]?.type === "backoff" && longer[0].until).toEqual(new Date("2025-06-02T10:19:00.000Z"));
  });

  it("ignores a backoff with zero failed builds", () => {
    expect(calculateActions(inBackoff(0, 0), clock).map((action) => action.type)).toEqual(["create"]);
  });

  it("adds no backoff when nothing needs creating", () => {
    const full = inBackoff(0, 3, { running: [makePrebuild("a", agoIso(HOUR)), makePrebuild("b", agoIso(HOUR))] });
    expect(calculateActions(full, clock)).toEqual([]);
  });

  it("still deletes expired and surplus prebuilds during a backoff", () => {
    const snapshot = inBackoff(0, 1, {
      preset: makePreset({ desiredInstances: 2, ttlSeconds: 3600 }),
      running: [makePrebuild("expired", agoIso(2 * HOUR)), makePrebuild("ok", agoIso(HOUR / 2))],
    });
    expect(calculateActions(snapshot, clock).map((action) => action.type)).toEqual(["delete", "backoff"]);
  });

  it("names the preset's zone when it has schedules", () => {
    const snapshot = inBackoff(60_000, 2, {
      preset: makePreset({ scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* * * * 0", instances: 5 }] } }),
    });
    expect(calculateActions(snapshot, clock)[0]?.reason).toBe(
      "desired 2 (base count), 0 running, 0 starting, but 2 recent creates failed: back off until 2025-06-02T10:01:00.000Z (2025-06-02 12:01 GMT+2 in Europe/Berlin) instead of creating 2",
    );
  });
});

describe("calculateActions — hard limit", () => {
  it("neither creates nor backs off, but still deletes", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ desiredInstances: 3, ttlSeconds: 60 }),
      running: [makePrebuild("expired", agoIso(HOUR))],
      backoff: { failedBuilds: 5, lastBuildAt: NOW },
      hardLimited: true,
    });
    expect(calculateActions(snapshot, clock)).toEqual([
      { type: "delete", workspaceIds: ["expired"], reason: "1 prebuild expired (1 older than the TTL of 60 s): delete 1, oldest first" },
    ]);
  });
});

describe("canSkipReconciliation", () => {
  const inactive = makePreset({ usingActiveVersion: false });

  it("is true for an inactive preset with nothing running, pending or backing off", () => {
    expect(canSkipReconciliation(makeSnapshot({ preset: inactive }))).toBe(true);
  });

  it.each<[string, Partial<PresetSnapshot>]>([
    ["the preset is active", { preset: makePreset() }],
    ["a prebuild is running", { preset: inactive, running: [makePrebuild("w", agoIso(HOUR))] }],
    ["an expired prebuild is running", { preset: { ...inactive, ttlSeconds: 1 }, running: [makePrebuild("w", agoIso(HOUR))] }],
    ["creates are pending", { preset: inactive, pendingNonActive: 1 }],
    ["a backoff is recorded", { preset: inactive, backoff: { failedBuilds: 1, lastBuildAt: NOW } }],
  ])("is false when %s", (_case, overrides) => {
    expect(canSkipReconciliation(makeSnapshot(overrides), clock)).toBe(false);
  });

  it("implies no actions", () => {
    const snapshot = makeSnapshot({ preset: inactive, inProgress: { start: 2, stop: 1, delete: 1 }, hardLimited: true });
    expect(canSkipReconciliation(snapshot)).toBe(true);
    expect(calculateActions(snapshot, clock)).toEqual([]);
  });
});

describe("calculateActions — purity", () => {
  it("leaves deeply frozen input untouched and answers the same twice", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ desiredInstances: 1, ttlSeconds: 3600 }),
      running: [makePrebuild("b", agoIso(2 * HOUR)), makePrebuild("a", agoIso(HOUR / 2)), makePrebuild("c", agoIso(HOUR / 3), false)],
    });
    const frozen = Object.freeze({ ...snapshot, running: Object.freeze(snapshot.running.map((row) => Object.freeze(row))) });
    const first = calculateActions(frozen, clock);
    expect(calculateActions(frozen, clock)).toEqual(first);
    expect(frozen.running.map((row) => row.id)).toEqual(["b", "a", "c"]);
  });

  it("reads the clock exactly once", () => {
    let reads = 0;
    calculateActions(makeSnapshot(), { now: () => (reads++, NOW) });
    expect(reads).toBe(1);
  });
});
