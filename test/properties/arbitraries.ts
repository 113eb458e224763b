/**
 * Shared fast-check generators for the property tests: realistic cron expressions, instants over
 * 2024–2027 biased towards DST transitions and minute boundaries, and preset snapshots.
 */

import { CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import type { Backoff, GlobalSnapshot, Preset, PresetSnapshot, RunningPrebuild } from "../../src/index.js";
import { offsetMinutes, parseCronField, shuffled, type Wall } from "./oracle.js";

export const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"] as const;
export type Zone = (typeof ZONES)[number];

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const START_MS = Date.UTC(2024, 0, 1);
export const END_MS = Date.UTC(2028, 0, 1);

export const zoneArb: fc.Arbitrary<Zone> = fc.constantFrom(...ZONES);

// ---------------------------------------------------------------------------------------------
// DST transitions of the zones over 2024–2027, found with the Intl oracle (a scan every 6 hours,
// then bisection to the minute; these zones never change offset twice within 6 hours). Each entry
// is the first instant with the new offset.

const transitionCache = new Map<string, number[]>();

export function transitionsOf(zone: string): readonly number[] {
  const cached = transitionCache.get(zone);
  if (cached !== undefined) return cached;
  const found: number[] = [];
  let previous = offsetMinutes(zone, START_MS - DAY_MS);
  const step = 6 * HOUR_MS;
  for (let t = START_MS - DAY_MS + step; t <= END_MS + 10 * DAY_MS; t += step) {
    const offset = offsetMinutes(zone, t);
    if (offset !== previous) {
      let low = (t - step) / MINUTE_MS;
      let high = t / MINUTE_MS;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetMinutes(zone, middle * MINUTE_MS) === previous) low = middle;
        else high = middle;
      }
      found.push(high * MINUTE_MS);
      previous = offset;
    }
  }
  transitionCache.set(zone, found);
  return found;
}

const segmentOffsets = new Map<string, number[]>();

/**
 * A fast wall clock for long minute-by-minute scans: the offset comes from the zone's transition
 * list above (itself found with Intl), the fields from UTC arithmetic. Checked against
 * {@link wallAt} by a property in next-change.test.ts. Valid from 2023-12-31 to 2028-01-01 + 8 days.
 */
export function fastWallAt(zone: string, epochMs: number): Wall {
  const transitions = transitionsOf(zone);
  let offsets = segmentOffsets.get(zone);
  if (offsets === undefined) {
    offsets = [offsetMinutes(zone, START_MS - DAY_MS), ...transitions.map((t) => offsetMinutes(zone, t))];
    segmentOffsets.set(zone, offsets);
  }
  let low = 0;
  let high = transitions.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((transitions[middle] as number) <= epochMs) low = middle + 1;
    else high = middle;
  }
  const shifted = new Date(epochMs + (offsets[low] as number) * MINUTE_MS);
  return {
    year: shifted.getUTCFullYear(),
    month: shifted.getUTCMonth() + 1,
    day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(),
    minute: shifted.getUTCMinutes(),
    weekday: shifted.getUTCDay(),
  };
}

/** Every transition of every zone in {@link ZONES}. */
export function allTransitions(): readonly number[] {
  return ZONES.flatMap((zone) => transitionsOf(zone));
}

// ---------------------------------------------------------------------------------------------
// Instants.

const uniformInstantArb = fc.integer({ min: START_MS, max: END_MS - 1 });

const minuteBoundaryArb = fc
  .tuple(fc.integer({ min: START_MS / MINUTE_MS, max: END_MS / MINUTE_MS - 1 }), fc.constantFrom(0, -1, 1, -1000, 30_000, 59_999))
  .map(([minute, delta]) => minute * MINUTE_MS + delta);

/** An epoch-ms instant in 2024–2027, often within hours of a DST transition of `zone` (or of any zone). */
export function instantArb(zone?: string): fc.Arbitrary<number> {
  const transitions = zone === undefined ? allTransitions() : transitionsOf(zone).length > 0 ? transitionsOf(zone) : allTransitions();
  const nearTransition = fc
    .tuple(
      fc.constantFrom(...transitions),
      fc.oneof(
        fc.integer({ min: -3 * HOUR_MS, max: 3 * HOUR_MS }),
        fc.integer({ min: -3 * 60, max: 3 * 60 }).chain((minutes) => fc.constantFrom(minutes * MINUTE_MS, minutes * MINUTE_MS - 1, minutes * MINUTE_MS + 1)),
        fc.integer({ min: -2 * DAY_MS, max: 2 * DAY_MS }),
      ),
    )
    .map(([transition, delta]) => transition + delta);
  return fc.oneof(
    { arbitrary: uniformInstantArb, weight: 2 },
    { arbitrary: minuteBoundaryArb, weight: 1 },
    { arbitrary: nearTransition, weight: 3 },
  );
}

// ---------------------------------------------------------------------------------------------
// Cron expressions built from parts whose meaning we know: '*', values, names, ranges, steps, lists.

interface FieldShape {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Values that names stand for start here (month names: 1, day names: 0). */
  readonly nameBase?: number;
  /** Weight of a bare '*'. */
  readonly starWeight: number;
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const SHAPES: readonly FieldShape[] = [
  { min: 0, max: 59, starWeight: 5 },
  { min: 0, max: 23, starWeight: 3 },
  { min: 1, max: 31, starWeight: 8 },
  { min: 1, max: 12, names: MONTH_NAMES, nameBase: 1, starWeight: 8 },
  { min: 0, max: 7, names: DAY_NAMES, nameBase: 0, starWeight: 5 },
];

function casing(name: string): fc.Arbitrary<string> {
  return fc.constantFrom(name, name.toUpperCase(), name.charAt(0).toUpperCase() + name.slice(1));
}

function valueText(shape: FieldShape, value: number): fc.Arbitrary<string> {
  const { names, nameBase = 0 } = shape;
  const name = names?.[value - nameBase];
  if (name === undefined) return fc.constant(String(value));
  return fc.oneof(fc.constant(String(value)), casing(name));
}

function itemArb(shape: FieldShape): fc.Arbitrary<string> {
  const span = shape.max - shape.min + 1;
  const value = fc.integer({ min: shape.min, max: shape.max });
  const single = value.chain((v) => valueText(shape, v));
  const range = fc
    .tuple(value, value)
    .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]))
    .chain(([a, b]) => fc.tuple(valueText(shape, a), valueText(shape, b)).map(([x, y]) => `${x}-${y}`));
  const step = fc.integer({ min: 1, max: Math.max(1, Math.floor(span / 2)) });
  const starStep = step.map((s) => `*/${s}`);
  const rangeStep = fc.tuple(range, step).map(([r, s]) => `${r}/${s}`);
  const startStep = fc.tuple(value, step).map(([v, s]) => `${v}/${s}`);
  return fc.oneof(
    { arbitrary: single, weight: 4 },
    { arbitrary: range, weight: 4 },
    { arbitrary: starStep, weight: 2 },
    { arbitrary: rangeStep, weight: 2 },
    { arbitrary: startStep, weight: 1 },
  );
}

/** Whether the items of a list stand for pairwise disjoint value sets (day-of-week 7 = 0). */
function disjointItems(items: readonly string[], fieldIndex: number): boolean {
  const seen = new Set<number>();
  for (const item of items) {
    for (const value of parseCronField(item, fieldIndex)) {
      if (seen.has(value)) return false;
      seen.add(value);
    }
  }
  return true;
}

/**
 * One field. With `overlap` "never", list items never share a value: cron-parser (and so the
 * library) refuses lists such as `1-5,3` or `0,7` ("duplicate values found"), although SPEC §3
 * allows lists, so the everyday generators stay inside what it accepts. "always" builds only such
 * overlapping lists, for the property that pins that discrepancy down.
 */
function fieldArb(shape: FieldShape, fieldIndex: number, overlap: "never" | "always"): fc.Arbitrary<string> {
  const list = fc.array(itemArb(shape), { minLength: overlap === "always" ? 2 : 1, maxLength: 3 });
  if (overlap === "always") return list.filter((items) => !disjointItems(items, fieldIndex)).map((items) => items.join(","));
  return fc.oneof(
    { arbitrary: fc.constant("*"), weight: shape.starWeight },
    { arbitrary: list.filter((items) => disjointItems(items, fieldIndex)).map((items) => items.join(",")), weight: 4 },
  );
}

const parseable = new Map<string, boolean>();

/** Whether cron-parser accepts the expression (it rejects day-of-month lists no listed month has). */
export function cronParserAccepts(expression: string): boolean {
  let ok = parseable.get(expression);
  if (ok === undefined) {
    try {
      CronExpressionParser.parse(expression, { tz: "UTC" });
      ok = true;
    } catch {
      ok = false;
    }
    parseable.set(expression, ok);
  }
  return ok;
}

/** Realistic expressions, plus a few fixed office-hours style ones. */
export const cronArb: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      "* 9-18 * * 1-5",
      "* 8-17 * * mon-fri",
      "*/15 * * * *",
      "0 * * * *",
      "30 2 * * *",
      "* 2 * * *",
      "30 1 * * *",
      "* * * * *",
      "* 0-5 1,15 * 0",
      "0-29 2-3 * * sun",
      "* 22-23 * dec-feb *",
    ),
    weight: 1,
  },
  {
    arbitrary: fc.tuple(...SHAPES.map((shape, index) => fieldArb(shape, index, "never"))).map((fields) => fields.join(" ")),
    weight: 4,
  },
).filter(cronParserAccepts);

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * False only for a day-of-month list that occurs in none of the listed months while day-of-week is
 * `*`: such an expression can never match, and the library may refuse it (TOOLCHAIN §4). With a
 * restricted day-of-week the expression still matches on those weekdays, so it is valid.
 */
function dayOfMonthCanOccur(fields: readonly string[]): boolean {
  if (fields[2] === "*" || fields[4] !== "*") return true;
  const days = [...parseCronField(fields[2] ?? "*", 2)];
  return [...parseCronField(fields[3] ?? "*", 3)].some((month) => days.some((day) => day <= (DAYS_IN_MONTH[month] ?? 0)));
}

/**
 * Expressions valid by SPEC §3 in which one field is a list whose items overlap (`1-5,3`,
 * `sun,7`, `*\/2,6/1`); cron-parser refuses these with "duplicate values found".
 */
export const overlappingCronArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.integer({ min: 0, max: 4 }),
    fc.tuple(...SHAPES.map((shape, index) => fieldArb(shape, index, "never"))),
  )
  .chain(([overlapAt, fields]) =>
    fieldArb(SHAPES[overlapAt] as FieldShape, overlapAt, "always").map((list) => fields.map((field, index) => (index === overlapAt ? list : field))),
  )
  .filter(dayOfMonthCanOccur)
  .map((fields) => fields.join(" "));

/**
 * Every expression of our grammar that SPEC §3 calls valid: overlapping lists included, and
 * day-of-month lists that no listed month has when a restricted day-of-week rescues them
 * (`0 0 30,31 2 mon`), which cron-parser refuses as a whole. Only for the wall-clock oracle.
 */
export const specCronArb: fc.Arbitrary<string> = fc.oneof(
  overlappingCronArb,
  fc
    .tuple(
      ...SHAPES.map((shape) =>
        fc.oneof(
          { arbitrary: fc.constant("*"), weight: shape.starWeight },
          { arbitrary: fc.array(itemArb(shape), { minLength: 1, maxLength: 3 }).map((items) => items.join(",")), weight: 4 },
        ),
      ),
    )
    .filter(dayOfMonthCanOccur)
    .map((fields) => fields.join(" ")),
  fc
    .tuple(fc.constantFrom("0", "*", "*/30"), fc.constantFrom("*", "9-17"), fc.constantFrom("30", "31", "30,31", "29-31/2"), fc.constantFrom("2", "feb", "2,4", "apr,jun"), fc.constantFrom("1", "mon-fri", "0,7", "sat"))
    .map((fields) => fields.join(" ")),
);

/**
 * A fixed pool of generated expressions (fixed seed, so runs reproduce). The library parses each
 * distinct expression once with cron-parser (~0.4 ms), so snapshot-level properties draw from this
 * pool to keep a run cheap; the desiredInstances properties use the unbounded {@link cronArb}.
 */
export const CRON_POOL: readonly string[] = [...new Set(fc.sample(cronArb, { numRuns: 600, seed: 20240101 }))];
export const pooledCronArb: fc.Arbitrary<string> = fc.constantFrom(...CRON_POOL);

export const scheduleArb = fc.record({ cron: cronArb, instances: fc.integer({ min: 0, max: 6 }) });
export const pooledScheduleArb = fc.record({ cron: pooledCronArb, instances: fc.integer({ min: 0, max: 6 }) });

// ---------------------------------------------------------------------------------------------
// Snapshots.

export interface Policy {
  readonly backoffIntervalMs: number;
}

/** A preset snapshot together with the instant it is judged at and an optional policy. */
export interface Case {
  readonly snapshot: PresetSnapshot;
  readonly nowMs: number;
  readonly policy: Policy | undefined;
}

const activityArb = fc.oneof(
  { arbitrary: fc.constant({ usingActiveVersion: true, templateDeleted: false, templateDeprecated: false }), weight: 3 },
  { arbitrary: fc.record({ usingActiveVersion: fc.boolean(), templateDeleted: fc.boolean(), templateDeprecated: fc.boolean() }), weight: 2 },
);

const ttlArb: fc.Arbitrary<number | null | undefined> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(0),
  fc.integer({ min: 1, max: 120 }),
  fc.integer({ min: 60, max: 3 * 24 * 3600 }),
);

function ageArb(ttlSeconds: number | null | undefined): fc.Arbitrary<number> {
  const options: fc.Arbitrary<number>[] = [fc.integer({ min: 0, max: 3 * DAY_MS }), fc.constantFrom(0, 1000, MINUTE_MS, HOUR_MS)];
  if (typeof ttlSeconds === "number" && ttlSeconds > 0) {
    const ttlMs = ttlSeconds * 1000;
    options.push(fc.constantFrom(ttlMs - 1, ttlMs, ttlMs + 1), fc.integer({ min: Math.max(0, ttlMs - HOUR_MS), max: ttlMs + HOUR_MS }));
  }
  return fc.oneof(...options);
}

const idCharArb = fc.constantFrom("a", "b", "c", "A", "Z", "0", "9", "_", "é");

function runningArb(presetId: string, nowMs: number, ttlSeconds: number | null | undefined, maxLength: number): fc.Arbitrary<RunningPrebuild[]> {
  return fc
    .uniqueArray(
      fc.record({ suffix: fc.string({ unit: idCharArb, minLength: 1, maxLength: 3 }), age: ageArb(ttlSeconds), ready: fc.boolean() }),
      { selector: (row) => row.suffix, maxLength },
    )
    .map((rows) => rows.map((row) => ({ id: `${presetId}/${row.suffix}`, presetId, createdAt: new Date(nowMs - row.age), ready: row.ready })));
}

function lastInvalidatedArb(nowMs: number, running: readonly RunningPrebuild[]): fc.Arbitrary<Date | null | undefined> {
  const options: { arbitrary: fc.Arbitrary<Date | null | undefined>; weight: number }[] = [
    { arbitrary: fc.constant(null), weight: 3 },
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 3 * DAY_MS }).map((age) => new Date(nowMs - age)), weight: 2 },
    // Rare and odd but valid: an invalidation stamped in the future.
    { arbitrary: fc.integer({ min: 1, max: HOUR_MS }).map((ahead) => new Date(nowMs + ahead)), weight: 1 },
  ];
  if (running.length > 0) {
    options.push({ arbitrary: fc.constantFrom(...running).map((prebuild) => new Date(prebuild.createdAt.getTime())), weight: 2 });
  }
  return fc.oneof(...options);
}

function backoffArb(nowMs: number, intervalMs: number): fc.Arbitrary<Backoff | null> {
  const some = fc.integer({ min: 0, max: 4 }).chain((failedBuilds) =>
    fc
      .oneof(
        fc.integer({ min: 0, max: 10 * MINUTE_MS }),
        // until == now, until == now - 1 ms: the boundary of "now <= until"
        fc.constantFrom(failedBuilds * intervalMs, failedBuilds * intervalMs + 1),
      )
      .map((ago) => ({ failedBuilds, lastBuildAt: new Date(nowMs - ago) })),
  );
  return fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: some, weight: 1 });
}

const policyArb: fc.Arbitrary<Policy | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.record({ backoffIntervalMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 120_000 })) }),
);

export interface CaseOptions {
  /** The preset id; default "p". */
  readonly presetId?: string;
  /** Judge at this instant instead of generating one. */
  readonly nowMs?: number;
  /** Largest number of running prebuilds; default 8. */
  readonly maxRunning?: number;
}

/** A preset snapshot judged at a generated (or given) instant. */
export function caseArb(options: CaseOptions = {}): fc.Arbitrary<Case> {
  const presetId = options.presetId ?? "p";
  const maxRunning = options.maxRunning ?? 8;
  return fc
    .record({
      zone: zoneArb,
      ttlSeconds: ttlArb,
      policy: policyArb,
    })
    .chain(({ zone, ttlSeconds, policy }) =>
      (options.nowMs === undefined ? instantArb(zone) : fc.constant(options.nowMs)).chain((nowMs) =>
        runningArb(presetId, nowMs, ttlSeconds, maxRunning).chain((running) =>
          fc
            .record({
              activity: activityArb,
              desiredInstances: fc.integer({ min: 0, max: 6 }),
              scheduling: fc.oneof(
                { arbitrary: fc.constant(null), weight: 1 },
                { arbitrary: fc.constant(undefined), weight: 1 },
                {
                  arbitrary: fc.record({ timezone: fc.constant(zone), schedules: fc.array(pooledScheduleArb, { maxLength: 3 }) }),
                  weight: 4,
                },
              ),
              lastInvalidatedAt: lastInvalidatedArb(nowMs, running),
              inProgress: fc.record({
                start: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4 })),
                stop: fc.integer({ min: 0, max: 2 }),
                delete: fc.integer({ min: 0, max: 2 }),
              }),
              pendingNonActive: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
              backoff: backoffArb(nowMs, policy?.backoffIntervalMs ?? 60_000),
              hardLimited: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
              emptyRunning: fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 }),
            })
            .map((parts): Case => {
              const preset: Preset = {
                id: presetId,
                name: `preset ${presetId}`,
                organizationId: "org",
                templateId: "template",
                templateVersionId: "version",
                ...parts.activity,
                desiredInstances: parts.desiredInstances,
                ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
                ...(parts.lastInvalidatedAt === undefined ? {} : { lastInvalidatedAt: parts.lastInvalidatedAt }),
                ...(parts.scheduling === undefined ? {} : { scheduling: parts.scheduling }),
              };
              const snapshot: PresetSnapshot = {
                preset,
                running: parts.emptyRunning ? [] : running,
                inProgress: parts.inProgress,
                pendingNonActive: parts.pendingNonActive,
                backoff: parts.backoff,
                hardLimited: parts.hardLimited,
              };
              return { snapshot, nowMs, policy };
            }),
        ),
      ),
    );
}

// ---------------------------------------------------------------------------------------------
// Global snapshots.

function splitCount(count: number, parts: number): number[] {
  // Deterministic split of `count` into `parts` rows that add up (some rows may be 0).
  const rows: number[] = [];
  let left = count;
  for (let index = 0; index < parts - 1; index += 1) {
    const take = Math.ceil(left / 2);
    rows.push(take);
    left -= take;
  }
  rows.push(left);
  return rows;
}

/** Turns per-preset snapshots into the rows of a global snapshot (counts split over several rows). */
export function toGlobal(snapshots: readonly PresetSnapshot[], rowSplit: number): GlobalSnapshot {
  const inProgress: { presetId: string; transition: "start" | "stop" | "delete"; count: number }[] = [];
  const pendingNonActive: { presetId: string; count: number }[] = [];
  const backoffs: ({ presetId: string } & Backoff)[] = [];
  for (const snapshot of snapshots) {
    const presetId = snapshot.preset.id;
    for (const transition of ["start", "stop", "delete"] as const) {
      const count = snapshot.inProgress[transition];
      if (count === 0 && rowSplit % 2 === 0) continue; // sometimes omit zero rows, sometimes keep them
      for (const part of splitCount(count, 1 + (rowSplit % 3))) inProgress.push({ presetId, transition, count: part });
    }
    if (snapshot.pendingNonActive > 0 || rowSplit % 2 === 1) {
      for (const part of splitCount(snapshot.pendingNonActive, 1 + (rowSplit % 2))) pendingNonActive.push({ presetId, count: part });
    }
    if (snapshot.backoff !== null) backoffs.push({ presetId, ...snapshot.backoff });
  }
  return {
    presets: snapshots.map((snapshot) => snapshot.preset),
    running: snapshots.flatMap((snapshot) => snapshot.running),
    inProgress,
    pendingNonActive,
    backoffs,
    hardLimitedPresetIds: snapshots.filter((snapshot) => snapshot.hardLimited).map((snapshot) => snapshot.preset.id),
  };
}

/** The same global snapshot with every row list shuffled. */
export function shuffleRows(global: GlobalSnapshot, seed: number): GlobalSnapshot {
  return {
    presets: global.presets,
    running: shuffled(global.running, seed),
    inProgress: shuffled(global.inProgress, seed + 1),
    pendingNonActive: shuffled(global.pendingNonActive, seed + 2),
    backoffs: shuffled(global.backoffs, seed + 3),
    hardLimitedPresetIds: shuffled(global.hardLimitedPresetIds, seed + 4),
  };
}

const PRESET_IDS = ["alpha", "beta", "gamma", "Delta", "eps", "zeta-1", "zeta-10", "zeta-2"];

/** Several preset snapshots judged at one shared instant. */
export const multiCaseArb: fc.Arbitrary<{ nowMs: number; snapshots: PresetSnapshot[]; policy: Policy | undefined }> = fc
  .record({
    nowMs: instantArb(),
    ids: fc.shuffledSubarray(PRESET_IDS, { minLength: 1, maxLength: 6 }),
    policy: policyArb,
  })
  .chain(({ nowMs, ids, policy }) =>
    fc
      .tuple(...ids.map((presetId) => caseArb({ presetId, nowMs, maxRunning: 6 })))
      .map((cases) => ({ nowMs, snapshots: cases.map((c) => c.snapshot), policy })),
  );
