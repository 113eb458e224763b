import { describe, expect, it } from "vitest";
import {
  calculateActions,
  EMPTY_MEMORY,
  nextChangeAt,
  nextCycleChangeAt,
  planCycle,
  type Preset,
  type ReconcilePolicy,
  SnapshotValidationError,
} from "../../src/index.js";
import { clockAt, emptyGlobal, makePrebuild, makePreset, makeSnapshot, NOW, thrownError } from "../fixtures.js";

const clock = clockAt(NOW); // 2025-06-02T10:00:00Z
const END_OF_TIME = new Date(8.64e15); // +275760-09-13T00:00:00.000Z, the last instant a Date can hold
const HOUR = 3_600_000;
const agoIso = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function preset(id: string, overrides: Partial<Preset> = {}): Preset {
  return makePreset({ id, name: id, ...overrides });
}

/** A preset whose reasons name its zone (no schedules, so that no schedule boundary comes first). */
function zoned(id: string, timezone: string): Preset {
  return preset(id, { scheduling: { timezone, schedules: [] } });
}

describe("far-future instants — a backoff whose last build is at the end of time", () => {
  const global = emptyGlobal({
    presets: [preset("far"), zoned("far-berlin", "Europe/Berlin"), zoned("far-new-york", "America/New_York"), zoned("far-kathmandu", "Asia/Kathmandu"), preset("healthy")],
    backoffs: ["far", "far-berlin", "far-new-york", "far-kathmandu"].map((presetId) => ({ presetId, failedBuilds: 1, lastBuildAt: END_OF_TIME })),
  });
  const until = "back off until +275760-09-13T00:00:00.000Z";

  it("plans every preset, the healthy one included, and renders every reason", () => {
    const plan = planCycle(global, clock);
    expect(plan.invalid).toEqual([]);
    expect(plan.presets.map((entry) => [entry.presetId, entry.actions])).toEqual([
      ["far", [{ type: "backoff", until: END_OF_TIME, reason: `desired 2 (base count), 0 running, 0 starting, but 1 recent create failed: ${until} instead of creating 2` }]],
      [
        "far-berlin",
        [
          {
            type: "backoff",
            until: END_OF_TIME,
            // Berlin's wall clock at that instant is past the end of the Date range: the instant is said in UTC.
            reason: `desired 2 (base count), 0 running, 0 starting, but 1 recent create failed: ${until} (+275760-09-13 00:00 UTC in Europe/Berlin) instead of creating 2`,
          },
        ],
      ],
      [
        "far-new-york",
        [
          {
            type: "backoff",
            until: END_OF_TIME,
            reason: `desired 2 (base count), 0 running, 0 starting, but 1 recent create failed: ${until} (+275760-09-12 20:00 GMT-4 in America/New_York) instead of creating 2`,
          },
        ],
      ],
      [
        "far-kathmandu",
        [
          {
            type: "backoff",
            until: END_OF_TIME,
            reason: `desired 2 (base count), 0 running, 0 starting, but 1 recent create failed: ${until} (+275760-09-13 00:00 UTC in Asia/Kathmandu) instead of creating 2`,
          },
        ],
      ],
      ["healthy", [{ type: "create", count: 2, reason: "desired 2 (base count), 0 running, 0 starting: create 2" }]],
    ]);
  });

  it("gives valid next changes: the end of the Date range, never an Invalid Date", () => {
    const plan = planCycle(global, clock);
    expect(plan.presets.map((entry) => entry.nextChangeAt?.getTime() ?? null)).toEqual([8.64e15, 8.64e15, 8.64e15, 8.64e15, null]);
    expect(plan.nextChangeAt).toEqual(END_OF_TIME);
    expect(nextCycleChangeAt(global, clock)).toEqual(END_OF_TIME);
    expect(nextChangeAt(makeSnapshot({ preset: zoned("far-berlin", "Europe/Berlin"), backoff: { failedBuilds: 1, lastBuildAt: END_OF_TIME } }), clock)).toEqual(END_OF_TIME);
  });

  it("lets a hard-limited preset's probe come due at the end of time without trouble", () => {
    const plan = planCycle(
      emptyGlobal({ presets: [zoned("stuck", "Europe/Berlin")], hardLimitedPresetIds: ["stuck"], backoffs: [{ presetId: "stuck", failedBuilds: 9, lastBuildAt: END_OF_TIME }] }),
      clock,
      { hardLimitRetryMs: HOUR },
    );
    expect(plan.invalid).toEqual([]);
    expect(plan.presets[0]?.blockedReason).toBe(
      "the last creates all failed (hard limit): the next probe create is due at +275760-09-13T00:00:00.000Z (+275760-09-13 00:00 UTC in Europe/Berlin)",
    );
    expect(plan.presets[0]?.nextChangeAt).toEqual(END_OF_TIME);
  });
});

describe("far-future instants — a TTL of Number.MAX_SAFE_INTEGER seconds", () => {
  const snapshot = makeSnapshot({
    preset: makePreset({ ttlSeconds: Number.MAX_SAFE_INTEGER }),
    running: [makePrebuild("w1", agoIso(HOUR)), makePrebuild("w2", agoIso(2 * HOUR))],
  });

  it("never expires a prebuild, and the next change is the end of the Date range", () => {
    expect(calculateActions(snapshot, clock)).toEqual([]);
    expect(nextChangeAt(snapshot, clock)).toEqual(END_OF_TIME);
  });

  it("gives planCycle a valid next change too", () => {
    const plan = planCycle(emptyGlobal({ presets: [snapshot.preset], running: snapshot.running }), clock);
    expect(plan.nextChangeAt).toEqual(END_OF_TIME);
  });
});

describe("far-future instants — an exponential backoff with a huge cap", () => {
  const policy: Partial<ReconcilePolicy> = { backoff: { kind: "exponential", capMs: Number.MAX_VALUE, jitter: 0 } };

  it("grows the wait until it saturates at the end of the Date range", () => {
    const snapshot = makeSnapshot({ backoff: { failedBuilds: 2000, lastBuildAt: NOW } });
    expect(calculateActions(snapshot, clock, policy)).toEqual([
      {
        type: "backoff",
        until: END_OF_TIME,
        reason: "desired 2 (base count), 0 running, 0 starting, but 2000 recent creates failed: back off until +275760-09-13T00:00:00.000Z instead of creating 2",
      },
    ]);
    expect(nextChangeAt(snapshot, clock, policy)).toEqual(END_OF_TIME);
  });

  it("is exact while the wait still fits", () => {
    const snapshot = makeSnapshot({ backoff: { failedBuilds: 30, lastBuildAt: NOW } });
    const until = new Date(NOW.getTime() + 60_000 * 2 ** 29);
    expect(calculateActions(snapshot, clock, policy).map((action) => (action.type === "backoff" ? action.until : null))).toEqual([until]);
    expect(nextChangeAt(snapshot, clock, policy)).toEqual(new Date(until.getTime() + 1));
  });
});

describe("far-future instants — memory that lasts to the end of time", () => {
  it("saturates expectations and the stabilization window", () => {
    const policy: Partial<ReconcilePolicy> = { expectationTtlMs: Number.MAX_VALUE, scaleDownStabilizationMs: Number.MAX_VALUE };
    const plan = planCycle(
      emptyGlobal({
        presets: [preset("a", { desiredInstances: 1 })],
        running: [makePrebuild("w1", agoIso(HOUR), true, "a"), makePrebuild("w2", agoIso(HOUR), true, "a")],
        memory: [{ presetId: "a", ...EMPTY_MEMORY, desiredPeaks: [{ at: new Date(NOW.getTime() - 1000), desired: 2 }] }],
      }),
      clock,
      policy,
    );
    // The peak of 2 never leaves the window: nothing is surplus, and the window "ends" at the end of time.
    expect(plan.presets[0]?.actions).toEqual([]);
    expect(plan.presets[0]?.nextChangeAt).toEqual(END_OF_TIME);
    const created = planCycle(emptyGlobal({ presets: [preset("a", { desiredInstances: 1 })] }), clock, policy).presets[0];
    expect(created?.memory.expectedCreates?.expiresAt).toEqual(END_OF_TIME);
  });
});

describe("far-future instants — the clock itself", () => {
  it("refuses a now so close to the end of the Date range that the core could not look ahead", () => {
    const error = thrownError(() => planCycle(emptyGlobal({ presets: [zoned("a", "Europe/Berlin")] }), clockAt(END_OF_TIME)));
    expect(error).toBeInstanceOf(SnapshotValidationError);
    expect((error as SnapshotValidationError).issues).toEqual([
      {
        path: "clock.now()",
        message:
          "must be no later than +275760-08-14T00:00:00.000Z (the core looks days ahead of now, and Dates end at +275760-09-13T00:00:00.000Z), got +275760-09-13T00:00:00.000Z",
      },
    ]);
    expect(() => calculateActions(makeSnapshot(), clockAt(new Date(8.64e15 - 1)))).toThrow(SnapshotValidationError);
  });

  it("plans at the latest accepted now, with schedules and a lead time", () => {
    const latest = new Date(8.64e15 - 30 * 24 * HOUR); // +275760-08-14T00:00Z, a Thursday
    const scheduled = preset("a", { scheduling: { timezone: "UTC", leadTimeSeconds: 3600, schedules: [{ cron: "* 9-17 * * 1-5", instances: 3 }] } });
    const plan = planCycle(emptyGlobal({ presets: [scheduled] }), clockAt(latest));
    expect(plan.invalid).toEqual([]);
    expect(plan.presets[0]?.actions.map((action) => action.reason)).toEqual(["desired 2 (base count), 0 running, 0 starting: create 2"]);
    // Warming up an hour before 09:00.
    expect(plan.nextChangeAt).toEqual(new Date(latest.getTime() + 8 * HOUR));
  });
});
