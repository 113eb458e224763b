/**
 * Independent oracles for the property tests: a wall-clock reader built on Intl, a tiny parser for
 * the cron expressions the generators produce, an expiry model, and helpers that simulate what a
 * host does with the actions. Nothing here imports the library's internals.
 */

import type { Preset, PresetSnapshot, ReconciliationAction, RunningPrebuild } from "../../src/index.js";

// ---------------------------------------------------------------------------------------------
// Wall clock (SPEC §3): Intl.DateTimeFormat#formatToParts with hourCycle h23.

export interface Wall {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
  readonly hour: number; // 0-23
  readonly minute: number; // 0-59
  readonly weekday: number; // 0 = Sunday
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const wallFormatters = new Map<string, Intl.DateTimeFormat>();

function wallFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = wallFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    wallFormatters.set(zone, formatter);
  }
  return formatter;
}

/** The wall-clock fields of `epochMs` in `zone`. */
export function wallAt(zone: string, epochMs: number): Wall {
  const parts = wallFormatter(zone).formatToParts(new Date(epochMs));
  const get = (type: string): string => {
    const part = parts.find((p) => p.type === type);
    if (part === undefined) throw new Error(`oracle: no ${type} in ${JSON.stringify(parts)}`);
    return part.value;
  };
  const weekday = WEEKDAYS[get("weekday")];
  if (weekday === undefined) throw new Error(`oracle: weekday ${get("weekday")}`);
  const hour = Number(get("hour"));
  if (hour < 0 || hour > 23) throw new Error(`oracle: hour ${hour}`);
  return {
    year: Number(get("year")),
    month: Number(get("month")),
    day: Number(get("day")),
    hour,
    minute: Number(get("minute")),
    weekday,
  };
}

/** The zone's UTC offset at `epochMs` in minutes, derived from the wall clock. */
export function offsetMinutes(zone: string, epochMs: number): number {
  const minuteStart = Math.floor(epochMs / 60_000) * 60_000;
  const wall = wallAt(zone, minuteStart);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return Math.round((asUtc - minuteStart) / 60_000);
}

// ---------------------------------------------------------------------------------------------
// A tiny cron parser for the 5-field expressions the generators produce.

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

interface FieldDef {
  readonly min: number;
  readonly max: number;
  readonly value: (text: string) => number;
}

function numberOrName(names: readonly string[], base: number): (text: string) => number {
  return (text) => {
    if (/^\d+$/.test(text)) return Number(text);
    const index = names.indexOf(text.toLowerCase());
    if (index < 0) throw new Error(`oracle cron: unknown name ${text}`);
    return index + base;
  };
}

const FIELDS: readonly FieldDef[] = [
  { min: 0, max: 59, value: numberOrName([], 0) },
  { min: 0, max: 23, value: numberOrName([], 0) },
  { min: 1, max: 31, value: numberOrName([], 1) },
  { min: 1, max: 12, value: numberOrName(MONTH_NAMES, 1) },
  { min: 0, max: 7, value: numberOrName(DAY_NAMES, 0) },
];

export interface OracleCron {
  readonly text: string;
  readonly sets: readonly (ReadonlySet<number>)[];
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

function parseField(text: string, def: FieldDef): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const [rangePart = "", stepPart] = item.split("/");
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step < 1) throw new Error(`oracle cron: bad step in ${text}`);
    let lo: number;
    let hi: number;
    if (rangePart === "*") {
      lo = def.min;
      hi = def.max;
    } else if (rangePart.includes("-")) {
      const [a = "", b = ""] = rangePart.split("-");
      lo = def.value(a);
      hi = def.value(b);
    } else {
      lo = def.value(rangePart);
      hi = stepPart === undefined ? lo : def.max; // "a/s" means a, a+s, … up to the field's maximum
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** The values one field's text stands for (index 0 = minute … 4 = day-of-week, 7 folded to 0). */
export function parseCronField(text: string, index: number): Set<number> {
  const values = parseField(text, FIELDS[index] as FieldDef);
  if (index === 4 && values.has(7)) {
    values.delete(7);
    values.add(0);
  }
  return values;
}

const oracleCache = new Map<string, OracleCron>();

/** Parses a generated 5-field expression into value sets (day-of-week 7 folded to 0). */
export function parseOracleCron(text: string): OracleCron {
  const cached = oracleCache.get(text);
  if (cached !== undefined) return cached;
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`oracle cron: ${text}`);
  const sets = fields.map((field, index) => parseCronField(field, index));
  const parsed: OracleCron = { text, sets, domRestricted: fields[2] !== "*", dowRestricted: fields[4] !== "*" };
  oracleCache.set(text, parsed);
  return parsed;
}

/** Whether the wall-clock minute `wall` matches `cron` (SPEC §3 day rule). */
export function oracleMatches(cron: OracleCron, wall: Wall): boolean {
  const [minutes, hours, doms, months, dows] = cron.sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (!minutes.has(wall.minute) || !hours.has(wall.hour) || !months.has(wall.month)) return false;
  const byDom = doms.has(wall.day);
  const byDow = dows.has(wall.weekday);
  return cron.domRestricted && cron.dowRestricted ? byDom || byDow : byDom && byDow;
}

/** The desired count of `preset` at `epochMs` by the wall-clock oracle (ignores activeness). */
export function oracleDesired(preset: Preset, epochMs: number, wallOf: (zone: string, epochMs: number) => Wall = wallAt): number {
  const scheduling = preset.scheduling;
  if (!scheduling || scheduling.schedules.length === 0) return preset.desiredInstances;
  const wall = wallOf(scheduling.timezone, epochMs);
  let best: number | null = null;
  for (const schedule of scheduling.schedules) {
    if (oracleMatches(parseOracleCron(schedule.cron), wall)) best = Math.max(best ?? -1, schedule.instances);
  }
  return best ?? preset.desiredInstances;
}

// ---------------------------------------------------------------------------------------------
// Expiry and activeness (SPEC §1, §4).

export function isActive(preset: Preset): boolean {
  return preset.usingActiveVersion && !preset.templateDeleted && !preset.templateDeprecated;
}

export function isExpiredAt(preset: Preset, prebuild: RunningPrebuild, nowMs: number): boolean {
  const ttl = preset.ttlSeconds;
  const byAge = typeof ttl === "number" && ttl > 0 && nowMs - prebuild.createdAt.getTime() > ttl * 1000;
  const invalidatedAt = preset.lastInvalidatedAt;
  const byInvalidation = invalidatedAt instanceof Date && prebuild.createdAt.getTime() < invalidatedAt.getTime();
  return byAge || byInvalidation;
}

// ---------------------------------------------------------------------------------------------
// Decisions and their simulation.

/** An action without its reason: what a host acts on. */
export type Decision =
  | { type: "create"; count: number }
  | { type: "delete"; workspaceIds: string[] }
  | { type: "backoff"; until: number }
  | { type: "cancelPending"; count: number };

export function decisions(actions: readonly ReconciliationAction[]): Decision[] {
  return actions.map((action): Decision => {
    switch (action.type) {
      case "create":
        return { type: "create", count: action.count };
      case "delete":
        return { type: "delete", workspaceIds: [...action.workspaceIds] };
      case "backoff":
        return { type: "backoff", until: action.until.getTime() };
      case "cancelPending":
        return { type: "cancelPending", count: action.count };
    }
  });
}

export function createCount(actions: readonly ReconciliationAction[]): number {
  return actions.reduce((sum, action) => sum + (action.type === "create" ? action.count : 0), 0);
}

export function deletedIds(actions: readonly ReconciliationAction[]): string[] {
  return actions.flatMap((action) => (action.type === "delete" ? [...action.workspaceIds] : []));
}

/**
 * What the snapshot looks like after a host applied `actions` at `nowMs`: deleted prebuilds are
 * gone, each created instance is a fresh, ready prebuild created at now, cancelled pending creates
 * are gone, and everything else (in-progress counts, backoff, hard limit) is unchanged.
 */
export function applyActions(snapshot: PresetSnapshot, actions: readonly ReconciliationAction[], nowMs: number): PresetSnapshot {
  const gone = new Set(deletedIds(actions));
  const running: RunningPrebuild[] = snapshot.running.filter((prebuild) => !gone.has(prebuild.id));
  const created = createCount(actions);
  for (let index = 0; index < created; index += 1) {
    running.push({ id: `${snapshot.preset.id}/new-${index}`, presetId: snapshot.preset.id, createdAt: new Date(nowMs), ready: true });
  }
  const cancelled = actions.reduce((sum, action) => sum + (action.type === "cancelPending" ? action.count : 0), 0);
  return { ...snapshot, running, pendingNonActive: snapshot.pendingNonActive - cancelled };
}

// ---------------------------------------------------------------------------------------------
// Utilities.

/** Freezes `value` and everything reachable from it, Dates included. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/** A deterministic Fisher–Yates shuffle driven by `seed` (mulberry32). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let index = out.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [out[index], out[other]] = [out[other] as T, out[index] as T];
  }
  return out;
}

export function clockAt(epochMs: number): { now(): Date } {
  return { now: () => new Date(epochMs) };
}
