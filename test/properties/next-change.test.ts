/**
 * Property 8: nextChangeAt (SPEC §6). With t = nextChangeAt(s, now):
 *   - t is null: the decisions are the same at sampled instants over the next 8 days;
 *   - t is a Date: t > now, and the decisions are the same at now and at sampled instants strictly
 *     between now and t (t - 1 ms and the last minute boundaries before t included).
 * "Decisions" are the actions without their reason strings: types, counts, ids, until.
 */

import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { calculateActions, nextChangeAt } from "../../src/index.js";
import { caseArb, DAY_MS, fastWallAt, instantArb, MINUTE_MS, zoneArb } from "./arbitraries.js";
import { clockAt, decisions, isActive, oracleDesired, wallAt } from "./oracle.js";

// Property runs take seconds; on a loaded 2-core machine the 5 s default is too tight.
vi.setConfig({ testTimeout: 60_000 });

const HORIZON_MS = 8 * DAY_MS;
const SAMPLES = 20;

/** Sample instants in the open interval (from, to), always including to - 1 and from + 1. */
function samplesBetween(from: number, to: number, fractions: readonly number[]): number[] {
  const out = new Set<number>();
  const span = to - from;
  if (span <= 1) return [];
  out.add(from + 1);
  out.add(to - 1);
  // The last minute boundaries before `to` and the first after `from`: schedule changes sit on them.
  const lastBoundary = Math.ceil(to / MINUTE_MS) * MINUTE_MS - MINUTE_MS;
  for (const candidate of [lastBoundary, lastBoundary - 1, lastBoundary - MINUTE_MS, Math.floor(from / MINUTE_MS) * MINUTE_MS + MINUTE_MS]) {
    if (candidate > from && candidate < to) out.add(candidate);
  }
  for (const fraction of fractions) {
    const at = from + 1 + Math.floor(fraction * (span - 1));
    if (at > from && at < to) out.add(at);
  }
  return [...out];
}

describe("property 8: nextChangeAt", () => {
  // nextChangeAt scans schedules up to 8 days ahead; with ~20 calculateActions per run a run costs
  // about 1–2 ms, so 1000 runs fit comfortably.
  it("decisions are constant from now until just before the next change", () => {
    let bounded = 0;
    let unbounded = 0;
    fc.assert(
      fc.property(
        caseArb(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: SAMPLES - 4, maxLength: SAMPLES - 4 }),
        (c, fractions) => {
          const { snapshot, nowMs, policy } = c;
          const next = nextChangeAt(snapshot, clockAt(nowMs), policy);
          const expected = decisions(calculateActions(snapshot, clockAt(nowMs), policy));
          let end: number;
          if (next === null) {
            unbounded += 1;
            end = nowMs + HORIZON_MS;
          } else {
            bounded += 1;
            expect(next).toBeInstanceOf(Date);
            expect(next.getTime()).toBeGreaterThan(nowMs);
            if (snapshot.preset.scheduling?.schedules.length && isActive(snapshot.preset)) {
              // Schedules are looked at up to 8 days ahead: never later than now + 8 days.
              expect(next.getTime()).toBeLessThanOrEqual(nowMs + HORIZON_MS);
            }
            end = next.getTime();
          }
          for (const at of samplesBetween(nowMs, end, fractions)) {
            const got = decisions(calculateActions(snapshot, clockAt(at), policy));
            expect(got, `at ${new Date(at).toISOString()} (now ${new Date(nowMs).toISOString()}, next ${next?.toISOString() ?? "null"})`).toEqual(expected);
          }
        },
      ),
      { numRuns: 1000 },
    );
    expect(bounded).toBeGreaterThan(100);
    expect(unbounded).toBeGreaterThan(50);
  });

  it("the fast wall clock used below agrees with the Intl wall clock", () => {
    fc.assert(
      fc.property(zoneArb.chain((zone) => fc.tuple(fc.constant(zone), instantArb(zone))), ([zone, at]) => {
        expect(fastWallAt(zone, at)).toEqual(wallAt(zone, at));
        expect(fastWallAt(zone, at + 8 * DAY_MS)).toEqual(wallAt(zone, at + 8 * DAY_MS));
      }),
      { numRuns: 1000 },
    );
  });

  it("the desired count of an active preset stays constant at every minute from now until the next change", () => {
    // Every wall-clock minute in (now, t) is checked with the oracle, up to the 8-day horizon, so a
    // t that comes late by one minute or by one DST hour is caught wherever it is.
    let scanned = 0;
    fc.assert(
      fc.property(caseArb(), (c) => {
        const { snapshot, nowMs, policy } = c;
        fc.pre(isActive(snapshot.preset) && (snapshot.preset.scheduling?.schedules.length ?? 0) > 0);
        const next = nextChangeAt(snapshot, clockAt(nowMs), policy);
        expect(next).not.toBeNull();
        const end = Math.min(next?.getTime() ?? Infinity, nowMs + HORIZON_MS);
        const desiredNow = oracleDesired(snapshot.preset, nowMs, fastWallAt);
        for (let at = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS; at < end; at += MINUTE_MS) {
          scanned += 1;
          if (oracleDesired(snapshot.preset, at, fastWallAt) !== desiredNow) {
            expect.fail(`desired changes at ${new Date(at).toISOString()} but nextChangeAt says ${next?.toISOString()}`);
          }
        }
      }),
      { numRuns: 1000 },
    );
    expect(scanned).toBeGreaterThan(10_000);
  });
});
