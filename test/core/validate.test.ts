import { describe, expect, it } from "vitest";
import {
  calculateActions,
  PolicyValidationError,
  SnapshotValidationError,
  validatePreset,
  validatePresetSnapshot,
  type Preset,
  type PresetSnapshot,
} from "../../src/index.js";
import { clockAt, makePrebuild, makePreset, makeSnapshot, NOW, thrownError } from "../fixtures.js";

/** Casts deliberately wrong input, as a JavaScript caller or a bad database row could pass it. */
function loose<T>(value: unknown): T {
  return value as T;
}

function pathsOf(preset: Preset): string[] {
  return validatePreset(preset).map((issue) => issue.path);
}

function thrownBy(snapshot: PresetSnapshot): SnapshotValidationError {
  const error = thrownError(() => calculateActions(snapshot, clockAt(NOW)));
  expect(error).toBeInstanceOf(SnapshotValidationError);
  return error as SnapshotValidationError;
}

describe("validatePreset — counts and TTLs", () => {
  it("accepts a valid preset", () => {
    expect(validatePreset(makePreset({ ttlSeconds: 3600, lastInvalidatedAt: NOW }))).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "3"])("rejects desiredInstances %s", (value) => {
    const issues = validatePreset(makePreset({ desiredInstances: loose(value) }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("desiredInstances");
    expect(issues[0]?.message).toMatch(/^must be a non-negative integer, got /);
  });

  it.each([-1, 0.5, Number.NaN, Number.NEGATIVE_INFINITY])("rejects ttlSeconds %s", (value) => {
    expect(pathsOf(makePreset({ ttlSeconds: value }))).toEqual(["ttlSeconds"]);
  });

  it("accepts ttlSeconds null, 0 and absent", () => {
    expect(pathsOf(makePreset({ ttlSeconds: null }))).toEqual([]);
    expect(pathsOf(makePreset({ ttlSeconds: 0 }))).toEqual([]);
    const { ttlSeconds: _ignored, ...withoutTtl } = makePreset();
    expect(pathsOf(withoutTtl)).toEqual([]);
  });

  it("rejects an invalid lastInvalidatedAt", () => {
    expect(pathsOf(makePreset({ lastInvalidatedAt: new Date("not a date") }))).toEqual(["lastInvalidatedAt"]);
    expect(pathsOf(makePreset({ lastInvalidatedAt: loose("2025-01-01") }))).toEqual(["lastInvalidatedAt"]);
  });

  it("rejects missing ids and non-boolean flags, naming each", () => {
    const preset = loose<Preset>({ ...makePreset(), id: "", templateId: 7, usingActiveVersion: "yes" });
    expect(pathsOf(preset)).toEqual(["id", "templateId", "usingActiveVersion"]);
  });
});

describe("validatePreset — schedules", () => {
  const schedule = (cron: string, instances = 1) => ({ cron, instances });

  it("requires a time zone when schedules are given", () => {
    const issues = validatePreset(makePreset({ scheduling: loose({ schedules: [schedule("* * * * *")] }) }));
    expect(issues).toEqual([{ path: "scheduling.timezone", message: "is required when schedules are given" }]);
  });

  it.each(["Mars/Base", "+01:00", "Europe/Berlinn"])("rejects the unknown time zone %s", (timezone) => {
    const issues = validatePreset(makePreset({ scheduling: { timezone, schedules: [schedule("* * * * *")] } }));
    expect(issues.map((issue) => issue.path)).toEqual(["scheduling.timezone"]);
    expect(issues[0]?.message).toContain("unknown time zone");
  });

  it.each([
    ["@daily", /aliases/],
    ["0 0 0 * * *", /expected 5 fields/],
    ["* * * *", /expected 5 fields/],
    ["", /expected 5 fields/],
    ["0 0 L * *", /not a day-of-month name/],
    ["0 0 * * 5#3", /may only hold/],
    ["0 0 ? * 1", /may only hold/],
    ["H * * * *", /not a minute name/],
    ["60 * * * *", /cron-parser rejected it/],
    ["* * * * mon-fry", /not a day-of-week name/],
    ["* * * mon * ", /not a month name/],
  ])("rejects the cron expression %j", (cron, message) => {
    const issues = validatePreset(makePreset({ scheduling: { timezone: "UTC", schedules: [schedule("* * * * *"), schedule(cron)] } }));
    expect(issues.map((issue) => issue.path)).toEqual(["scheduling.schedules[1].cron"]);
    expect(issues[0]?.message).toMatch(message);
  });

  it("rejects a zone name in the wrong case, saying how to write it", () => {
    expect(validatePreset(makePreset({ scheduling: { timezone: "europe/berlin", schedules: [schedule("* * * * *")] } }))).toEqual([
      { path: "scheduling.timezone", message: 'time zone "europe/berlin" must be written "Europe/Berlin"' },
    ]);
  });

  it("accepts IANA links such as US/Eastern", () => {
    expect(pathsOf(makePreset({ scheduling: { timezone: "US/Eastern", schedules: [schedule("* * * * *")] } }))).toEqual([]);
  });

  it.each(["* * * * 1-5,3", "* * * * 0,7", "*/15,0 * * * *", "0 0 31 2 1"])("accepts the valid expression %j (overlapping lists, either-day rule)", (cron) => {
    expect(pathsOf(makePreset({ scheduling: { timezone: "UTC", schedules: [schedule(cron)] } }))).toEqual([]);
  });

  it("rejects days of month that exist in none of the months", () => {
    expect(validatePreset(makePreset({ scheduling: { timezone: "UTC", schedules: [schedule("0 0 30,31 2 *")] } }))).toEqual([
      { path: "scheduling.schedules[0].cron", message: 'invalid cron expression "0 0 30,31 2 *": day-of-month 30,31 never occurs in month 2' },
    ]);
  });

  it("rejects bad schedule instances", () => {
    expect(pathsOf(makePreset({ scheduling: { timezone: "UTC", schedules: [schedule("* * * * *", -2)] } }))).toEqual([
      "scheduling.schedules[0].instances",
    ]);
  });

  it("reports every problem at once", () => {
    const preset = makePreset({
      desiredInstances: -1,
      ttlSeconds: Number.NaN,
      scheduling: { timezone: "Nowhere/Land", schedules: [schedule("@hourly"), schedule("* * * * *", 0.5)] },
    });
    expect(pathsOf(preset)).toEqual([
      "desiredInstances",
      "ttlSeconds",
      "scheduling.timezone",
      "scheduling.schedules[0].cron",
      "scheduling.schedules[1].instances",
    ]);
  });
});

describe("validatePresetSnapshot", () => {
  it("rejects duplicate prebuild ids", () => {
    const snapshot = makeSnapshot({
      running: [makePrebuild("w1", "2025-06-01T00:00:00Z"), makePrebuild("w1", "2025-06-01T01:00:00Z")],
    });
    expect(validatePresetSnapshot(snapshot)).toEqual([{ path: "running[1].id", message: 'duplicate prebuild id "w1", also at running[0]' }]);
  });

  it("rejects a prebuild of another preset", () => {
    const snapshot = makeSnapshot({ running: [makePrebuild("w1", "2025-06-01T00:00:00Z", true, "preset-b")] });
    expect(validatePresetSnapshot(snapshot)).toEqual([
      { path: "running[0].presetId", message: 'names preset "preset-b", but the snapshot is of preset "preset-a"' },
    ]);
  });

  it("rejects bad rows, counts and flags with their paths", () => {
    const snapshot = loose<PresetSnapshot>({
      ...makeSnapshot(),
      running: [{ id: "w1", presetId: "preset-a", createdAt: new Date(Number.NaN), ready: 1 }],
      inProgress: { start: -1, stop: 0.5, delete: 0 },
      pendingNonActive: Number.NaN,
      backoff: { failedBuilds: 2, lastBuildAt: "yesterday" },
      hardLimited: "no",
    });
    expect(validatePresetSnapshot(snapshot).map((issue) => issue.path)).toEqual([
      "running[0].createdAt",
      "running[0].ready",
      "inProgress.start",
      "inProgress.stop",
      "pendingNonActive",
      "backoff.lastBuildAt",
      "hardLimited",
    ]);
  });

  it("prefixes preset paths with `preset.`", () => {
    const snapshot = makeSnapshot({ preset: makePreset({ desiredInstances: -3 }) });
    expect(validatePresetSnapshot(snapshot).map((issue) => issue.path)).toEqual(["preset.desiredInstances"]);
  });
});

describe("errors thrown by the core", () => {
  it("calculateActions throws a SnapshotValidationError with a code, the preset id and the issues", () => {
    const error = thrownBy(makeSnapshot({ preset: makePreset({ ttlSeconds: -5 }) }));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("SnapshotValidationError");
    expect(error.code).toBe("SNAPSHOT_INVALID");
    expect(error.presetId).toBe("preset-a");
    expect(error.issues).toEqual([{ path: "preset.ttlSeconds", message: "must be a non-negative whole number of seconds or null, got -5" }]);
    expect(error.message).toBe(
      "invalid snapshot for preset preset-a: preset.ttlSeconds: must be a non-negative whole number of seconds or null, got -5",
    );
  });

  it("never throws a TypeError for a snapshot that is not even an object", () => {
    expect(() => calculateActions(loose(null), clockAt(NOW))).toThrow(SnapshotValidationError);
    expect(() => calculateActions(loose({ preset: null }), clockAt(NOW))).toThrow(SnapshotValidationError);
  });

  it("rejects a clock that returns an invalid Date", () => {
    expect(() => calculateActions(makeSnapshot(), { now: () => new Date(Number.NaN) })).toThrow(/clock\.now\(\): must be a valid Date/);
  });

  it("rejects an invalid policy with PolicyValidationError", () => {
    expect(() => calculateActions(makeSnapshot(), clockAt(NOW), { backoffIntervalMs: Number.NaN })).toThrow(PolicyValidationError);
    const error = thrownError(() => calculateActions(makeSnapshot(), clockAt(NOW), { backoffIntervalMs: -1, maxCreatesPerCycle: 1.5 }));
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect((error as PolicyValidationError).code).toBe("POLICY_INVALID");
    expect((error as PolicyValidationError).issues.map((issue) => issue.path)).toEqual(["policy.backoffIntervalMs", "policy.maxCreatesPerCycle"]);
  });
});
