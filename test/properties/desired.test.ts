/**
 * Property 7: desiredInstances (SPEC §3) against two independent oracles:
 *   1. our own wall clock (Intl.DateTimeFormat#formatToParts, hourCycle h23) and our own parser of
 *      the generated cron expressions, with the SPEC day rule;
 *   2. cron-parser's includesDate on the instant floored to its minute.
 * Instants span 2024–2027 and cluster around the DST transitions of the zones.
 */

import { type CronExpression, CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { desiredInstances, type Preset, validatePreset } from "../../src/index.js";
import { cronArb, instantArb, MINUTE_MS, scheduleArb, specCronArb, transitionsOf, zoneArb } from "./arbitraries.js";
import { oracleDesired, oracleMatches, parseOracleCron, wallAt } from "./oracle.js";

// Property runs take seconds; on a loaded 2-core machine the 5 s default is too tight.
vi.setConfig({ testTimeout: 60_000 });

const parsedByZone = new Map<string, CronExpression>();

function cronParserMatches(expression: string, zone: string, epochMs: number): boolean {
  const key = `${zone}\u0000${expression}`;
  let parsed = parsedByZone.get(key);
  if (parsed === undefined) {
    parsed = CronExpressionParser.parse(expression, { tz: zone });
    parsedByZone.set(key, parsed);
  }
  return parsed.includesDate(new Date(Math.floor(epochMs / MINUTE_MS) * MINUTE_MS));
}

function presetWith(zone: string, schedules: readonly { cron: string; instances: number }[], base: number): Preset {
  return {
    id: "p",
    name: "p",
    organizationId: "o",
    templateId: "t",
    templateVersionId: "v",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: base,
    scheduling: { timezone: zone, schedules },
  };
}

const scheduledArb = fc
  .record({
    zone: zoneArb,
    schedules: fc.array(scheduleArb, { minLength: 0, maxLength: 3 }),
    base: fc.integer({ min: 0, max: 6 }),
  })
  .chain(({ zone, schedules, base }) => instantArb(zone).map((at) => ({ zone, schedules, base, at })));

describe("property 7: desiredInstances equals brute-force oracles", () => {
  it("the oracles themselves agree on the generated expressions (wall-clock parser vs cron-parser)", () => {
    fc.assert(
      fc.property(zoneArb.chain((zone) => fc.tuple(fc.constant(zone), cronArb, instantArb(zone))), ([zone, cron, at]) => {
        expect(oracleMatches(parseOracleCron(cron), wallAt(zone, at))).toBe(cronParserMatches(cron, zone, at));
      }),
      { numRuns: 1000 },
    );
  });

  it("equals the largest matching schedule's instances, else the base count, by both oracles", () => {
    fc.assert(
      fc.property(scheduledArb, ({ zone, schedules, base, at }) => {
        const preset = presetWith(zone, schedules, base);
        const got = desiredInstances(preset, new Date(at));
        expect(got).toBe(oracleDesired(preset, at));
        const byCronParser = schedules.filter((s) => cronParserMatches(s.cron, zone, at)).map((s) => s.instances);
        expect(got).toBe(byCronParser.length === 0 ? base : Math.max(...byCronParser));
        // Exact to the minute: every instant within the same wall-clock minute gives the same count.
        const minuteStart = Math.floor(at / MINUTE_MS) * MINUTE_MS;
        expect(desiredInstances(preset, new Date(minuteStart))).toBe(got);
        expect(desiredInstances(preset, new Date(minuteStart + MINUTE_MS - 1))).toBe(got);
      }),
      // Each new expression costs several cron-parser parses (~0.4 ms each; the library parses each
      // list item on its own): 1000 runs take 2–5 s.
      { numRuns: 1000 },
    );
  });

  it("accepts every expression SPEC §3 allows (overlapping lists, `0,7`, days rescued by day-of-week) and evaluates it like the oracle", () => {
    // SPEC §3: 5 fields with "lists, ranges, steps, names, day-of-week 0 or 7 = Sunday"; nothing
    // says list items must be disjoint (standard cron takes the union), and with both day fields
    // restricted either may match. cron-parser refuses overlapping lists ("duplicate values found")
    // and `0 0 30,31 2 mon` as a whole; the library must not pass those refusals on.
    fc.assert(
      fc.property(zoneArb.chain((zone) => fc.tuple(fc.constant(zone), specCronArb, instantArb(zone))), ([zone, cron, at]) => {
        const preset = presetWith(zone, [{ cron, instances: 5 }], 1);
        expect(validatePreset(preset)).toEqual([]);
        expect(desiredInstances(preset, new Date(at))).toBe(oracleDesired(preset, at));
      }),
      { numRuns: 1000 },
    );
  });

  it("a preset without schedules wants its base count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), instantArb(), fc.constantFrom("none", "null", "empty"), (base, at, kind) => {
        const withSchedules = presetWith("UTC", [], base);
        const { scheduling: _ignored, ...bare } = withSchedules;
        const preset: Preset = kind === "none" ? bare : kind === "null" ? { ...bare, scheduling: null } : withSchedules;
        expect(desiredInstances(preset, new Date(at))).toBe(base);
      }),
      { numRuns: 1000 },
    );
  });

  it("around every DST transition of 2024–2027, each minute matches as the oracles say", () => {
    // Deterministic sweep: every minute from 3 h before to 3 h after each transition, for
    // expressions aimed at the transition hours. Several thousand instants in total.
    const expressions = ["30 2 * * *", "* 2 * * *", "30 1 * * *", "0-29 2-3 * * *", "*/15 1-3 * * *", "0 3 * * sun", "45 0-3 * * *"];
    for (const zone of ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]) {
      const schedules = expressions.map((cron, index) => ({ cron, instances: index + 1 }));
      for (const transition of transitionsOf(zone)) {
        for (let at = transition - 3 * 3_600_000; at <= transition + 3 * 3_600_000; at += MINUTE_MS) {
          const preset = presetWith(zone, schedules, 0);
          const expected = oracleDesired(preset, at);
          const byCronParser = schedules.filter((s) => cronParserMatches(s.cron, zone, at)).map((s) => s.instances);
          expect(expected).toBe(byCronParser.length === 0 ? 0 : Math.max(...byCronParser));
          expect(desiredInstances(preset, new Date(at)), `${zone} ${new Date(at).toISOString()}`).toBe(expected);
        }
      }
    }
  });

  it("examples from SPEC §3: the office-hours window is exact, DST gaps never match, repeats match twice", () => {
    const office = presetWith("UTC", [{ cron: "* 9-18 * * 1-5", instances: 3 }], 0);
    // 2025-06-02 is a Monday.
    expect(desiredInstances(office, new Date("2025-06-02T08:59:59.999Z"))).toBe(0);
    expect(desiredInstances(office, new Date("2025-06-02T09:00:00.000Z"))).toBe(3);
    expect(desiredInstances(office, new Date("2025-06-02T18:59:59.999Z"))).toBe(3);
    expect(desiredInstances(office, new Date("2025-06-02T19:00:00.000Z"))).toBe(0);
    const gap = presetWith("America/New_York", [{ cron: "30 2 * * *", instances: 2 }], 0);
    // The whole local day of 2025-03-09 (00:00 EST = 05:00Z to 24:00 EDT = 04:00Z next day).
    for (let at = Date.parse("2025-03-09T05:00:00Z"); at < Date.parse("2025-03-10T04:00:00Z"); at += MINUTE_MS) {
      expect(desiredInstances(gap, new Date(at))).toBe(0);
    }
    const repeat = presetWith("America/New_York", [{ cron: "30 1 * * *", instances: 2 }], 0);
    expect(desiredInstances(repeat, new Date("2025-11-02T05:30:00Z"))).toBe(2);
    expect(desiredInstances(repeat, new Date("2025-11-02T06:30:00Z"))).toBe(2);
    expect(desiredInstances(repeat, new Date("2025-11-02T07:30:00Z"))).toBe(0);
    // Day rule: both day fields restricted, either matches; one restricted, both must.
    const either = presetWith("UTC", [{ cron: "* * 15 * 1", instances: 1 }], 0);
    expect(desiredInstances(either, new Date("2025-06-02T12:00:00Z"))).toBe(1); // Monday the 2nd
    expect(desiredInstances(either, new Date("2025-06-15T12:00:00Z"))).toBe(1); // Sunday the 15th
    expect(desiredInstances(either, new Date("2025-06-03T12:00:00Z"))).toBe(0);
    const sundays = presetWith("UTC", [{ cron: "* * * * 7", instances: 4 }], 1);
    expect(desiredInstances(sundays, new Date("2025-06-15T12:00:00Z"))).toBe(4);
    expect(desiredInstances(sundays, new Date("2025-06-16T12:00:00Z"))).toBe(1);
  });
});
