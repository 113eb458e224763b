import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  calculateActions,
  calculateState,
  desiredInstances,
  nextChangeAt,
  planCycle,
  type Preset,
  presetConfigurationKey,
  type PresetScheduling,
  validatePreset,
} from "../../src/index.js";
import { clockAt, emptyGlobal, makePreset, makeSnapshot } from "../fixtures.js";
import { caseArb, DAY_MS, fastWallAt, instantArb, MINUTE_MS, pooledScheduleArb, zoneArb } from "../properties/arbitraries.js";
import { oracleDesired } from "../properties/oracle.js";

// The property below scans days of minutes per run; on a loaded 2-core machine the 5 s default is too tight.
vi.setConfig({ testTimeout: 120_000 });

function scheduled(scheduling: PresetScheduling, desiredInstances = 0): Preset {
  return makePreset({ desiredInstances, scheduling });
}

/** The scheduled target (lead time included) of an active preset at an ISO instant. */
function targetAt(preset: Preset, iso: string): number {
  return calculateState(makeSnapshot({ preset }), clockAt(iso)).scheduledTarget;
}

function reasonAt(preset: Preset, iso: string): string | undefined {
  return calculateActions(makeSnapshot({ preset }), clockAt(iso))[0]?.reason;
}

function nextAt(preset: Preset, iso: string): string | undefined {
  return nextChangeAt(makeSnapshot({ preset }), clockAt(iso))?.toISOString();
}

describe("lead time — the scheduled target is the largest count over [t, t + lead]", () => {
  // Monday 2 June 2025, in UTC: 4 from 09:00 to 11:00, 2 from 12:00 to 13:00, 1 otherwise; an hour of lead.
  const preset = scheduled(
    {
      timezone: "UTC",
      leadTimeSeconds: 3600,
      schedules: [
        { cron: "* 9-10 * * *", instances: 4 },
        { cron: "* 12 * * *", instances: 2 },
      ],
    },
    1,
  );

  it.each([
    ["2025-06-02T07:59:59.999Z", 1],
    ["2025-06-02T08:00:00.000Z", 4],
    ["2025-06-02T09:30:00.000Z", 4],
    ["2025-06-02T10:59:59.999Z", 4],
    ["2025-06-02T11:00:00.000Z", 2],
    ["2025-06-02T12:59:59.999Z", 2],
    ["2025-06-02T13:00:00.000Z", 1],
  ])("at %s it is %i", (iso, expected) => {
    expect(targetAt(preset, iso)).toBe(expected);
    expect(desiredInstances(preset, new Date(iso))).toBe(expected);
  });

  it("moves rising edges earlier by the lead and leaves falling edges where they are", () => {
    expect(nextAt(preset, "2025-06-02T07:00:00.000Z")).toBe("2025-06-02T08:00:00.000Z");
    expect(nextAt(preset, "2025-06-02T10:30:00.000Z")).toBe("2025-06-02T11:00:00.000Z");
    expect(nextAt(preset, "2025-06-02T12:30:00.000Z")).toBe("2025-06-02T13:00:00.000Z");
  });

  it("names the instant it warms up for, and the schedule, in the reason", () => {
    expect(reasonAt(preset, "2025-06-02T08:00:00.000Z")).toBe("desired 4 (schedule `* 9-10 * * *` in UTC, warming up for 2025-06-02 09:00 UTC), 0 running, 0 starting: create 4");
    expect(reasonAt(preset, "2025-06-02T11:00:00.000Z")).toBe("desired 2 (schedule `* 12 * * *` in UTC, warming up for 2025-06-02 12:00 UTC), 0 running, 0 starting: create 2");
    // Once the window has opened it is simply the schedule.
    expect(reasonAt(preset, "2025-06-02T09:00:00.000Z")).toBe("desired 4 (schedule `* 9-10 * * *` in UTC), 0 running, 0 starting: create 4");
  });

  it("counts in real seconds, not minutes: a lead of 90 s rises 90 s before the window", () => {
    const short = scheduled({ timezone: "UTC", leadTimeSeconds: 90, schedules: [{ cron: "* 9 * * *", instances: 3 }] });
    expect(targetAt(short, "2025-06-02T08:58:29.999Z")).toBe(0);
    expect(targetAt(short, "2025-06-02T08:58:30.000Z")).toBe(3);
    expect(nextAt(short, "2025-06-02T08:00:00.000Z")).toBe("2025-06-02T08:58:30.000Z");
  });

  it("warms up a day ahead with the longest lead", () => {
    const day = scheduled({ timezone: "UTC", leadTimeSeconds: 86_400, schedules: [{ cron: "* 9 * * 3", instances: 5 }] });
    expect(targetAt(day, "2025-06-03T08:59:59.999Z")).toBe(0); // Tuesday
    expect(targetAt(day, "2025-06-03T09:00:00.000Z")).toBe(5);
    expect(targetAt(day, "2025-06-04T10:00:00.000Z")).toBe(0); // Wednesday, after the window
  });

  it("keeps the larger count now when a smaller one lies ahead", () => {
    const nested = scheduled({ timezone: "UTC", leadTimeSeconds: 3600, schedules: [{ cron: "* 8-9 * * *", instances: 5 }, { cron: "* 10 * * *", instances: 2 }] });
    expect(targetAt(nested, "2025-06-02T09:30:00.000Z")).toBe(5);
    expect(reasonAt(nested, "2025-06-02T09:30:00.000Z")).toBe("desired 5 (schedule `* 8-9 * * *` in UTC), 0 running, 0 starting: create 5");
    expect(targetAt(nested, "2025-06-02T10:00:00.000Z")).toBe(2);
  });
});

describe("lead time — across DST changes", () => {
  it("Europe/Berlin in spring: an hour of lead before 03:00 CEST starts at 01:00 CET, one real hour earlier", () => {
    const preset = scheduled({ timezone: "Europe/Berlin", leadTimeSeconds: 3600, schedules: [{ cron: "* 3 * * *", instances: 3 }] });
    expect(targetAt(preset, "2025-03-29T23:59:59.999Z")).toBe(0); // 00:59:59 CET
    expect(targetAt(preset, "2025-03-30T00:00:00.000Z")).toBe(3); // 01:00 CET
    expect(reasonAt(preset, "2025-03-30T00:00:00.000Z")).toBe(
      "desired 3 (schedule `* 3 * * *` in Europe/Berlin, warming up for 2025-03-30 03:00 GMT+2), 0 running, 0 starting: create 3",
    );
    expect(targetAt(preset, "2025-03-30T01:59:59.999Z")).toBe(3); // 03:59:59 CEST
    expect(targetAt(preset, "2025-03-30T02:00:00.000Z")).toBe(0); // 04:00 CEST: the falling edge stays
    expect(nextAt(preset, "2025-03-29T23:00:00.000Z")).toBe("2025-03-30T00:00:00.000Z");
  });

  it("Europe/Berlin in spring: the skipped hour is never warmed up for", () => {
    const preset = scheduled({ timezone: "Europe/Berlin", leadTimeSeconds: 3600, schedules: [{ cron: "* 2 * * *", instances: 3 }] });
    for (const iso of ["2025-03-29T23:30:00.000Z", "2025-03-30T00:30:00.000Z", "2025-03-30T00:59:59.999Z", "2025-03-30T01:30:00.000Z"]) {
      expect(targetAt(preset, iso)).toBe(0);
    }
  });

  it("Europe/Berlin in autumn: the repeated hour is one window of two real hours", () => {
    const preset = scheduled({ timezone: "Europe/Berlin", leadTimeSeconds: 3600, schedules: [{ cron: "* 2 * * *", instances: 2 }] });
    expect(targetAt(preset, "2025-10-25T22:59:59.999Z")).toBe(0); // 00:59:59 CEST
    expect(targetAt(preset, "2025-10-25T23:00:00.000Z")).toBe(2); // 01:00 CEST
    expect(targetAt(preset, "2025-10-26T01:30:00.000Z")).toBe(2); // 02:30 CET, the second 02:30
    expect(targetAt(preset, "2025-10-26T01:59:59.999Z")).toBe(2);
    expect(targetAt(preset, "2025-10-26T02:00:00.000Z")).toBe(0); // 03:00 CET
  });

  it("America/New_York in spring: 03:00 EDT is warmed up for from 01:00 EST", () => {
    const preset = scheduled({ timezone: "America/New_York", leadTimeSeconds: 3600, schedules: [{ cron: "* 3 * * *", instances: 4 }] });
    expect(targetAt(preset, "2025-03-09T05:59:59.999Z")).toBe(0); // 00:59:59 EST
    expect(targetAt(preset, "2025-03-09T06:00:00.000Z")).toBe(4); // 01:00 EST
    expect(reasonAt(preset, "2025-03-09T06:00:00.000Z")).toBe(
      "desired 4 (schedule `* 3 * * *` in America/New_York, warming up for 2025-03-09 03:00 EDT), 0 running, 0 starting: create 4",
    );
    expect(targetAt(preset, "2025-03-09T08:00:00.000Z")).toBe(0); // 04:00 EDT
    expect(nextAt(preset, "2025-03-09T05:00:00.000Z")).toBe("2025-03-09T06:00:00.000Z");
  });

  it("America/New_York in autumn: the first 01:00 EDT is warmed up for, and the window lasts to the second 02:00", () => {
    const preset = scheduled({ timezone: "America/New_York", leadTimeSeconds: 1800, schedules: [{ cron: "* 1 * * *", instances: 4 }] });
    expect(targetAt(preset, "2025-11-02T04:29:59.999Z")).toBe(0); // 00:29:59 EDT
    expect(targetAt(preset, "2025-11-02T04:30:00.000Z")).toBe(4);
    expect(targetAt(preset, "2025-11-02T06:59:59.999Z")).toBe(4); // 01:59:59 EST
    expect(targetAt(preset, "2025-11-02T07:00:00.000Z")).toBe(0); // 02:00 EST
    expect(nextAt(preset, "2025-11-02T04:00:00.000Z")).toBe("2025-11-02T04:30:00.000Z");
    expect(nextAt(preset, "2025-11-02T06:30:00.000Z")).toBe("2025-11-02T07:00:00.000Z");
  });
});

describe("lead time — 0 is today's behaviour", () => {
  it("gives the same state, actions and next change as no lead time at all", () => {
    fc.assert(
      fc.property(caseArb(), (c) => {
        const scheduling = c.snapshot.preset.scheduling;
        fc.pre(scheduling !== null && scheduling !== undefined);
        const withZero = { ...c.snapshot, preset: { ...c.snapshot.preset, scheduling: { ...scheduling, leadTimeSeconds: 0 } } };
        const clock = clockAt(new Date(c.nowMs));
        expect(calculateState(withZero, clock, c.policy)).toEqual(calculateState(c.snapshot, clock, c.policy));
        expect(calculateActions(withZero, clock, c.policy)).toEqual(calculateActions(c.snapshot, clock, c.policy));
        expect(nextChangeAt(withZero, clock, c.policy)).toEqual(nextChangeAt(c.snapshot, clock, c.policy));
        expect(presetConfigurationKey(withZero.preset)).toBe(presetConfigurationKey(c.snapshot.preset));
      }),
      { numRuns: 300 },
    );
  });
});

describe("lead time — validation", () => {
  const withLead = (leadTimeSeconds: unknown) => makePreset({ scheduling: { timezone: "UTC", schedules: [], leadTimeSeconds } as unknown as PresetScheduling });

  it.each([
    [-1, "must be a whole number of seconds ≥ 0, got -1"],
    [1.5, "must be a whole number of seconds ≥ 0, got 1.5"],
    [Number.NaN, "must be a whole number of seconds ≥ 0, got NaN"],
    [Number.POSITIVE_INFINITY, "must be a whole number of seconds ≥ 0, got Infinity"],
    ["60", 'must be a whole number of seconds ≥ 0, got "60"'],
    [null, "must be a whole number of seconds ≥ 0, got null"],
    [86_401, "must be at most 86400 (a day), got 86401"],
  ])("refuses %s", (value, message) => {
    expect(validatePreset(withLead(value))).toEqual([{ path: "scheduling.leadTimeSeconds", message }]);
  });

  it("accepts 0 to a day", () => {
    for (const value of [0, 1, 3600, 86_400]) expect(validatePreset(withLead(value))).toEqual([]);
  });

  it("reports a bad lead time in planCycle under the preset's path", () => {
    const plan = planCycle(emptyGlobal({ presets: [withLead(-30)] }), clockAt("2025-06-02T10:00:00Z"));
    expect(plan.presets).toEqual([]);
    expect(plan.invalid.map(({ presetId, error }) => [presetId, error.issues])).toEqual([
      ["preset-a", [{ path: "presets[0].scheduling.leadTimeSeconds", message: "must be a whole number of seconds ≥ 0, got -30" }]],
    ]);
  });
});

/** Range maxima over a fixed array in O(1) after an O(n log n) build. */
function rangeMax(values: readonly number[]): (from: number, to: number) => number {
  const table: number[][] = [values.slice()];
  for (let width = 1; 2 * width <= values.length; width *= 2) {
    const previous = table[table.length - 1] as number[];
    const next: number[] = [];
    for (let index = 0; index + 2 * width <= values.length; index += 1) next.push(Math.max(previous[index] as number, previous[index + width] as number));
    table.push(next);
  }
  return (from, to) => {
    const level = Math.floor(Math.log2(to - from + 1));
    const row = table[level] as number[];
    return Math.max(row[from] as number, row[to - (1 << level) + 1] as number);
  };
}

const leadArb = fc.oneof(fc.constantFrom(60, 90, 1800, 3600, 3661, 7200, 86_400), fc.integer({ min: 1, max: 86_400 }));

const leadCaseArb = zoneArb.chain((zone) =>
  fc.record({
    zone: fc.constant(zone),
    nowMs: instantArb(zone),
    base: fc.integer({ min: 0, max: 6 }),
    schedules: fc.array(pooledScheduleArb, { minLength: 1, maxLength: 3 }),
    lead: leadArb,
  }),
);

describe("lead time — nextChangeAt against a brute-force minute scan", () => {
  it("is never later than the first change of the scheduled target, and the target itself is the oracle's", () => {
    let checked = 0;
    fc.assert(
      fc.property(leadCaseArb, ({ zone, nowMs, base, schedules, lead }) => {
        const preset = scheduled({ timezone: zone, leadTimeSeconds: lead, schedules }, base);
        const snapshot = makeSnapshot({ preset });
        const next = nextChangeAt(snapshot, clockAt(new Date(nowMs)));
        expect(next).not.toBeNull();
        const nextMs = next?.getTime() ?? Number.NaN;
        expect(nextMs > nowMs && nextMs <= nowMs + 8 * DAY_MS).toBe(true);
        // The scheduled count of every minute from now's to the one holding next + lead.
        const firstMinute = Math.floor(nowMs / MINUTE_MS);
        const minuteOf = (ms: number) => Math.floor(ms / MINUTE_MS) - firstMinute;
        const counts: number[] = [];
        for (let minute = firstMinute; minute <= Math.floor((nextMs + lead * 1000) / MINUTE_MS); minute += 1) {
          counts.push(oracleDesired(preset, minute * MINUTE_MS, fastWallAt));
        }
        const max = rangeMax(counts);
        // The largest count over [t, t + lead]: the minutes holding t through t + lead.
        const target = (ms: number) => max(minuteOf(ms), minuteOf(ms + lead * 1000));
        const now = target(nowMs);
        expect(calculateState(snapshot, clockAt(new Date(nowMs))).scheduledTarget).toBe(now);
        // The target can only change where t or t + lead crosses a minute boundary.
        for (let boundary = (firstMinute + 1) * MINUTE_MS; boundary < nextMs + lead * 1000; boundary += MINUTE_MS) {
          for (const candidate of [boundary, boundary - lead * 1000]) {
            if (candidate <= nowMs || candidate >= nextMs) continue;
            checked += 1;
            if (target(candidate) !== now) {
              expect.fail(`the target changes from ${now} to ${target(candidate)} at ${new Date(candidate).toISOString()}, but nextChangeAt says ${next?.toISOString()}`);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(checked > 100_000).toBe(true);
  });
});
