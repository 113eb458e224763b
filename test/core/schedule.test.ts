import { describe, expect, it } from "vitest";
import { desiredInstances, SnapshotValidationError } from "../../src/index.js";
import { makePreset, thrownError } from "../fixtures.js";

function scheduled(timezone: string, schedules: { cron: string; instances: number }[], base = 0) {
  return makePreset({ desiredInstances: base, scheduling: { timezone, schedules } });
}

function minutesMatching(preset: ReturnType<typeof scheduled>, fromIso: string, hours: number): string[] {
  const start = new Date(fromIso).getTime();
  const matches: string[] = [];
  for (let minute = 0; minute < hours * 60; minute += 1) {
    const at = new Date(start + minute * 60_000);
    if (desiredInstances(preset, at) !== preset.desiredInstances) matches.push(at.toISOString());
  }
  return matches;
}

describe("desiredInstances — base count", () => {
  it("is desiredInstances when there is no scheduling", () => {
    expect(desiredInstances(makePreset({ desiredInstances: 4 }), new Date("2025-06-02T10:00:00Z"))).toBe(4);
  });

  it("is desiredInstances when scheduling has no schedules", () => {
    const preset = makePreset({ desiredInstances: 4, scheduling: { timezone: "UTC", schedules: [] } });
    expect(desiredInstances(preset, new Date("2025-06-02T10:00:00Z"))).toBe(4);
  });

  it("ignores whether the preset is active (calculateState applies that)", () => {
    const preset = makePreset({ desiredInstances: 4, templateDeprecated: true });
    expect(desiredInstances(preset, new Date("2025-06-02T10:00:00Z"))).toBe(4);
  });
});

describe("desiredInstances — exact windows", () => {
  const businessHours = scheduled("UTC", [{ cron: "* 9-18 * * 1-5", instances: 3 }], 1);

  it.each([
    ["2025-06-02T08:59:59.999Z", 1],
    ["2025-06-02T09:00:00.000Z", 3],
    ["2025-06-02T18:59:59.999Z", 3],
    ["2025-06-02T19:00:00.000Z", 1],
  ])("`* 9-18 * * 1-5` at %s (a Monday) wants %i", (at, expected) => {
    expect(desiredInstances(businessHours, new Date(at))).toBe(expected);
  });

  it("does not match on a Saturday", () => {
    expect(desiredInstances(businessHours, new Date("2025-06-07T12:00:00Z"))).toBe(1);
  });

  it("reads the cron in the preset's zone (Europe/Berlin in summer is UTC+2)", () => {
    const berlin = scheduled("Europe/Berlin", [{ cron: "* 9-18 * * 1-5", instances: 3 }], 1);
    expect(desiredInstances(berlin, new Date("2025-06-02T06:59:59Z"))).toBe(1);
    expect(desiredInstances(berlin, new Date("2025-06-02T07:00:00Z"))).toBe(3);
    expect(desiredInstances(berlin, new Date("2025-06-02T16:59:59Z"))).toBe(3);
    expect(desiredInstances(berlin, new Date("2025-06-02T17:00:00Z"))).toBe(1);
  });

  it("handles a zone with a 45-minute offset (Asia/Kathmandu, UTC+5:45)", () => {
    const kathmandu = scheduled("Asia/Kathmandu", [{ cron: "0 9 * * *", instances: 2 }]);
    expect(minutesMatching(kathmandu, "2025-06-02T00:00:00Z", 24)).toEqual(["2025-06-02T03:15:00.000Z"]);
  });
});

describe("desiredInstances — several schedules", () => {
  it("takes the largest instances among matching schedules, whatever their order", () => {
    const schedules = [
      { cron: "* 8-18 * * *", instances: 3 },
      { cron: "* 12-13 * * *", instances: 5 },
      { cron: "* 12 * * *", instances: 4 },
    ];
    for (const order of [schedules, [...schedules].reverse()]) {
      const preset = scheduled("UTC", order, 1);
      expect(desiredInstances(preset, new Date("2025-06-02T12:30:00Z"))).toBe(5);
      expect(desiredInstances(preset, new Date("2025-06-02T10:00:00Z"))).toBe(3);
      expect(desiredInstances(preset, new Date("2025-06-02T20:00:00Z"))).toBe(1);
    }
  });

  it("lets a matching schedule ask for fewer than the base count", () => {
    const preset = scheduled("UTC", [{ cron: "* * * * 0,6", instances: 0 }], 2);
    expect(desiredInstances(preset, new Date("2025-06-07T12:00:00Z"))).toBe(0);
    expect(desiredInstances(preset, new Date("2025-06-06T12:00:00Z"))).toBe(2);
  });
});

describe("desiredInstances — cron syntax", () => {
  it("accepts day-of-week 7 as Sunday, and names", () => {
    const sunday = new Date("2025-06-01T12:00:00Z");
    expect(desiredInstances(scheduled("UTC", [{ cron: "* * * * 7", instances: 1 }]), sunday)).toBe(1);
    expect(desiredInstances(scheduled("UTC", [{ cron: "* * * jun sun", instances: 1 }]), sunday)).toBe(1);
    expect(desiredInstances(scheduled("UTC", [{ cron: "* * * jul sun", instances: 1 }]), sunday)).toBe(0);
  });

  it("applies steps and lists", () => {
    const preset = scheduled("UTC", [{ cron: "*/15 9,17 * * *", instances: 1 }]);
    expect(minutesMatching(preset, "2025-06-02T09:00:00Z", 1)).toEqual([
      "2025-06-02T09:00:00.000Z",
      "2025-06-02T09:15:00.000Z",
      "2025-06-02T09:30:00.000Z",
      "2025-06-02T09:45:00.000Z",
    ]);
  });

  it("with both day fields restricted, matches when either matches", () => {
    const preset = scheduled("UTC", [{ cron: "0 12 1 * 1", instances: 1 }]);
    expect(desiredInstances(preset, new Date("2025-06-01T12:00:00Z"))).toBe(1); // the 1st, a Sunday
    expect(desiredInstances(preset, new Date("2025-06-02T12:00:00Z"))).toBe(1); // a Monday, the 2nd
    expect(desiredInstances(preset, new Date("2025-06-03T12:00:00Z"))).toBe(0); // neither
  });

  it("with one day field `*`, needs the other to match", () => {
    const mondays = scheduled("UTC", [{ cron: "0 12 * * 1", instances: 1 }]);
    const firsts = scheduled("UTC", [{ cron: "0 12 1 * *", instances: 1 }]);
    expect(desiredInstances(mondays, new Date("2025-06-01T12:00:00Z"))).toBe(0);
    expect(desiredInstances(mondays, new Date("2025-06-02T12:00:00Z"))).toBe(1);
    expect(desiredInstances(firsts, new Date("2025-06-01T12:00:00Z"))).toBe(1);
    expect(desiredInstances(firsts, new Date("2025-06-02T12:00:00Z"))).toBe(0);
  });
});

describe("desiredInstances — daylight saving time", () => {
  it("never matches a wall-clock time skipped by spring-forward (Europe/Berlin, 2025-03-30)", () => {
    const preset = scheduled("Europe/Berlin", [{ cron: "30 2 * * *", instances: 4 }]);
    expect(minutesMatching(preset, "2025-03-29T23:00:00Z", 24)).toEqual([]);
    expect(minutesMatching(preset, "2025-03-30T23:00:00Z", 24)).toEqual(["2025-03-31T00:30:00.000Z"]);
  });

  it("never matches a wall-clock time skipped by spring-forward (America/New_York, 2025-03-09)", () => {
    const preset = scheduled("America/New_York", [{ cron: "30 2 * * *", instances: 4 }]);
    expect(minutesMatching(preset, "2025-03-09T04:00:00Z", 24)).toEqual([]);
  });

  it("matches a repeated wall-clock time both times on fall-back (America/New_York, 2025-11-02)", () => {
    const preset = scheduled("America/New_York", [{ cron: "30 1 * * *", instances: 4 }]);
    expect(minutesMatching(preset, "2025-11-02T04:00:00Z", 24)).toEqual(["2025-11-02T05:30:00.000Z", "2025-11-02T06:30:00.000Z"]);
  });

  it("matches a repeated wall-clock time both times on fall-back (Europe/Berlin, 2025-10-26)", () => {
    const preset = scheduled("Europe/Berlin", [{ cron: "30 2 * * *", instances: 4 }]);
    expect(minutesMatching(preset, "2025-10-25T22:00:00Z", 24)).toEqual(["2025-10-26T00:30:00.000Z", "2025-10-26T01:30:00.000Z"]);
  });

  it("keeps an hourly window exact across spring-forward: `* 1-3 * * *` in Berlin loses the skipped hour", () => {
    const preset = scheduled("Europe/Berlin", [{ cron: "* 1-3 * * *", instances: 1 }]);
    const matches = minutesMatching(preset, "2025-03-29T23:00:00Z", 4);
    // 01:00–01:59 CET is 00:00–00:59Z; 03:00–03:59 CEST is 01:00–01:59Z; 02:xx does not exist.
    expect(matches).toHaveLength(120);
    expect(matches[0]).toBe("2025-03-30T00:00:00.000Z");
    expect(matches.at(-1)).toBe("2025-03-30T01:59:00.000Z");
  });
});

describe("desiredInstances — bad input", () => {
  it("throws SnapshotValidationError naming the bad field", () => {
    const preset = scheduled("Mars/Olympus_Mons", [{ cron: "* * * * *", instances: 1 }]);
    const error = thrownError(() => desiredInstances(preset, new Date("2025-06-02T10:00:00Z")));
    expect(error).toBeInstanceOf(SnapshotValidationError);
    expect((error as SnapshotValidationError).issues.map((issue) => issue.path)).toEqual(["scheduling.timezone"]);
  });

  it("throws on an invalid Date", () => {
    expect(() => desiredInstances(makePreset(), new Date(Number.NaN))).toThrow(/at: must be a valid Date/);
  });
});
