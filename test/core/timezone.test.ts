import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeInstant, offsetAt, offsetTimeline } from "../../src/core/timezone.js";

// describeInstant reads a zone's offset from the zone's cached timeline when one covers the
// instant (the schedules' scans leave one behind), else from Intl: both must say the same.
const ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/Santiago"] as const;
const FROM = Date.UTC(2025, 2, 1);
const TO = Date.UTC(2025, 10, 30);

describe("describeInstant", () => {
  it("gives the same text with and without a cached timeline, across DST changes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (zone, epochMs) => {
        const expected = new Date(epochMs + offsetAt(zone, epochMs)).toISOString().slice(0, 16).replace("T", " ");
        offsetTimeline(zone, FROM, TO);
        expect(describeInstant(new Date(epochMs), zone).startsWith(expected)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it("is exact in the minute of a change that fell between whole minutes", () => {
    // Africa/Monrovia moved from GMT-0:44:30 to GMT at 1972-01-07 00:44:30Z.
    offsetTimeline("Africa/Monrovia", Date.UTC(1972, 0, 6), Date.UTC(1972, 0, 8));
    const change = Date.UTC(1972, 0, 7, 0, 44, 30);
    expect(describeInstant(new Date(change), "Africa/Monrovia")).toBe("1972-01-07 00:44 GMT+0");
    expect(describeInstant(new Date(change - 1000), "Africa/Monrovia")).toBe("1972-01-06 23:59 GMT-0:44:30");
  });

  it("names the wall time on both sides of a change", () => {
    offsetTimeline("Europe/Berlin", FROM, TO);
    // 2025-03-30 01:00Z: 02:00 CET becomes 03:00 CEST.
    expect(describeInstant(new Date("2025-03-30T00:59:00Z"), "Europe/Berlin")).toBe("2025-03-30 01:59 GMT+1");
    expect(describeInstant(new Date("2025-03-30T01:00:00Z"), "Europe/Berlin")).toBe("2025-03-30 03:00 GMT+2");
    // Outside the cached timeline the offset comes from Intl.
    expect(describeInstant(new Date("2030-01-01T12:00:00Z"), "Europe/Berlin")).toBe("2030-01-01 13:00 GMT+1");
  });
});
