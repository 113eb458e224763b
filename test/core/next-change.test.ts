import { describe, expect, it } from "vitest";
import { calculateActions, nextChangeAt, type PrebuildSchedule, type PresetSnapshot } from "../../src/index.js";
import { clockAt, makePrebuild, makePreset, makeSnapshot } from "../fixtures.js";

const DAY = 86_400_000;

function scheduledSnapshot(timezone: string, schedules: PrebuildSchedule[], base = 0, overrides: Partial<PresetSnapshot> = {}): PresetSnapshot {
  return makeSnapshot({ preset: makePreset({ desiredInstances: base, scheduling: { timezone, schedules } }), ...overrides });
}

function next(snapshot: PresetSnapshot, at: string): string | null {
  return nextChangeAt(snapshot, clockAt(at))?.toISOString() ?? null;
}

describe("nextChangeAt — nothing due", () => {
  it("is null without schedules, TTL or backoff", () => {
    expect(next(makeSnapshot({ running: [makePrebuild("w", "2025-06-01T00:00:00Z")] }), "2025-06-02T10:00:00Z")).toBeNull();
  });

  it("is null for an inactive preset, whatever its schedules and TTL", () => {
    const snapshot = scheduledSnapshot("UTC", [{ cron: "* 9-17 * * *", instances: 2 }], 0, {
      preset: makePreset({ usingActiveVersion: false, ttlSeconds: 60, scheduling: { timezone: "UTC", schedules: [{ cron: "* 9-17 * * *", instances: 2 }] } }),
      running: [makePrebuild("w", "2025-06-02T09:59:00Z")],
    });
    expect(next(snapshot, "2025-06-02T10:00:00Z")).toBeNull();
  });
});

describe("nextChangeAt — schedules", () => {
  const berlinOffice = [{ cron: "* 9-18 * * 1-5", instances: 3 }];

  it("is the end of the current window (19:00 in Berlin is 17:00Z in summer)", () => {
    expect(next(scheduledSnapshot("Europe/Berlin", berlinOffice), "2025-06-02T10:00:00Z")).toBe("2025-06-02T17:00:00.000Z");
  });

  it("is the start of the next window, across a weekend", () => {
    // Friday 2025-06-06 20:00 Berlin → Monday 2025-06-09 09:00 Berlin.
    expect(next(scheduledSnapshot("Europe/Berlin", berlinOffice), "2025-06-06T18:00:00Z")).toBe("2025-06-09T07:00:00.000Z");
  });

  it("is the next whole minute when now is inside the last minute of a window", () => {
    expect(next(scheduledSnapshot("UTC", [{ cron: "* 9-18 * * *", instances: 3 }]), "2025-06-02T18:59:30.500Z")).toBe("2025-06-02T19:00:00.000Z");
  });

  it("skips boundaries where the desired count does not change", () => {
    const schedules = [
      { cron: "* 8-11 * * *", instances: 2 },
      { cron: "* 12-15 * * *", instances: 2 },
    ];
    expect(next(scheduledSnapshot("UTC", schedules), "2025-06-02T09:00:00Z")).toBe("2025-06-02T16:00:00.000Z");
  });

  it("is now + 8 days when the count never changes within the horizon", () => {
    const now = "2025-06-02T10:00:00.000Z";
    const expected = new Date(new Date(now).getTime() + 8 * DAY).toISOString();
    expect(next(scheduledSnapshot("UTC", [{ cron: "* * * * *", instances: 3 }]), now)).toBe(expected);
    expect(next(scheduledSnapshot("UTC", [{ cron: "0 0 1 1 *", instances: 3 }]), now)).toBe(expected);
  });

  it("finds a window that opens in the skipped hour's successor (America/New_York spring-forward)", () => {
    // 2025-03-09: 02:00 EST jumps to 03:00 EDT at 07:00Z. `* 2-3` first matches at 03:00 EDT.
    const snapshot = scheduledSnapshot("America/New_York", [{ cron: "* 2-3 * * *", instances: 2 }]);
    expect(next(snapshot, "2025-03-09T06:00:00Z")).toBe("2025-03-09T07:00:00.000Z");
    expect(next(snapshot, "2025-03-09T07:00:00Z")).toBe("2025-03-09T08:00:00.000Z");
  });

  it("keeps a window open through a repeated hour (America/New_York fall-back)", () => {
    // 2025-11-02: 01:00–01:59 happens twice (05:00Z EDT and 06:00Z EST); `* 1` ends at 02:00 EST = 07:00Z.
    const snapshot = scheduledSnapshot("America/New_York", [{ cron: "* 1 * * *", instances: 2 }]);
    expect(next(snapshot, "2025-11-02T05:10:00Z")).toBe("2025-11-02T07:00:00.000Z");
  });

  it("sees a one-minute window only in the repeated hour (Europe/Berlin fall-back)", () => {
    // 2025-10-26: 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    const snapshot = scheduledSnapshot("Europe/Berlin", [{ cron: "30 2 * * *", instances: 2 }]);
    expect(next(snapshot, "2025-10-26T00:00:00Z")).toBe("2025-10-26T00:30:00.000Z");
    expect(next(snapshot, "2025-10-26T00:30:00Z")).toBe("2025-10-26T00:31:00.000Z");
    expect(next(snapshot, "2025-10-26T00:31:00Z")).toBe("2025-10-26T01:30:00.000Z");
  });

  it("handles half-hour DST (Australia/Lord_Howe, 2025-10-05 02:00 → 02:30)", () => {
    const snapshot = scheduledSnapshot("Australia/Lord_Howe", [{ cron: "* 2 * * *", instances: 2 }]);
    // 02:00 LHST (+10:30) is 2025-10-04T15:30Z; the clock jumps to 02:30 LHDT (+11) then. `* 2` covers 02:30–02:59 LHDT = 15:30Z–16:00Z.
    expect(next(snapshot, "2025-10-04T15:00:00Z")).toBe("2025-10-04T15:30:00.000Z");
    expect(next(snapshot, "2025-10-04T15:30:00Z")).toBe("2025-10-04T16:00:00.000Z");
  });
});

describe("nextChangeAt — expiry and backoff", () => {
  it("is the millisecond after the first unexpired prebuild outlives its TTL", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ ttlSeconds: 3600 }),
      running: [makePrebuild("young", "2025-06-02T09:50:00Z"), makePrebuild("older", "2025-06-02T09:20:00Z"), makePrebuild("gone", "2025-06-02T08:00:00Z")],
    });
    expect(next(snapshot, "2025-06-02T10:00:00Z")).toBe("2025-06-02T10:20:00.001Z");
  });

  it("is the millisecond after a backoff ends", () => {
    const snapshot = makeSnapshot({ backoff: { failedBuilds: 3, lastBuildAt: new Date("2025-06-02T09:59:00Z") } });
    expect(next(snapshot, "2025-06-02T10:00:00Z")).toBe("2025-06-02T10:02:00.001Z");
    expect(next(snapshot, "2025-06-02T10:02:00.001Z")).toBeNull();
  });

  it("ignores the backoff of a hard-limited preset", () => {
    const snapshot = makeSnapshot({ backoff: { failedBuilds: 3, lastBuildAt: new Date("2025-06-02T09:59:00Z") }, hardLimited: true });
    expect(next(snapshot, "2025-06-02T10:00:00Z")).toBeNull();
  });

  it("is the earliest of schedule, expiry and backoff", () => {
    const snapshot = makeSnapshot({
      preset: makePreset({ ttlSeconds: 600, scheduling: { timezone: "UTC", schedules: [{ cron: "* 9-10 * * *", instances: 4 }] } }),
      running: [makePrebuild("w", "2025-06-02T09:55:00Z")],
      backoff: { failedBuilds: 1, lastBuildAt: new Date("2025-06-02T10:00:00Z") },
    });
    expect(next(snapshot, "2025-06-02T10:00:00Z")).toBe("2025-06-02T10:01:00.001Z");
  });

  it("returns an instant at which the decision really changes", () => {
    const snapshot = makeSnapshot({ preset: makePreset({ ttlSeconds: 3600, desiredInstances: 1 }), running: [makePrebuild("w", "2025-06-02T09:30:00Z")] });
    const at = nextChangeAt(snapshot, clockAt("2025-06-02T10:00:00Z"));
    expect(at?.toISOString()).toBe("2025-06-02T10:30:00.001Z");
    expect(calculateActions(snapshot, clockAt(new Date((at?.getTime() ?? 0) - 1)))).toEqual([]);
    expect(calculateActions(snapshot, clockAt(at ?? new Date(0))).map((action) => action.type)).toEqual(["delete", "create"]);
  });
});
