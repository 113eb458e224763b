/**
 * The desired count of a preset over time (SPEC §3): which schedule matches an instant, and
 * when the count next changes.
 */

import { type CompiledCron, compileCron, cronMatches, dayMatches } from "./cron.js";
import { SnapshotValidationError } from "./errors.js";
import { nextWallBoundary, offsetTimeline, wallClockAt, wallClockOfShifted, type WallClock } from "./timezone.js";
import type { PrebuildSchedule, Preset } from "./types/index.js";
import { presetRule } from "./validate/index.js";
import { issuesOf } from "./validate/rules.js";

const MINUTE_MS = 60_000;
/** How far ahead `nextChangeAt` looks at schedules (SPEC §6). */
export const SCHEDULE_HORIZON_MS = 8 * 24 * 60 * MINUTE_MS;

/** The count a preset wants at an instant, and the schedule it comes from (`null`: the base count). */
export interface ScheduledCount {
  readonly count: number;
  readonly schedule: PrebuildSchedule | null;
  /** With a lead time: the later instant whose count this is (the pool warms up for it); otherwise `null`. */
  readonly aheadFor: number | null;
}

interface CompiledSchedule {
  readonly schedule: PrebuildSchedule;
  readonly cron: CompiledCron;
}

const compiledBySchedules = new WeakMap<readonly PrebuildSchedule[], CompiledSchedule[]>();

function compiledSchedules(schedules: readonly PrebuildSchedule[]): CompiledSchedule[] {
  const known = compiledBySchedules.get(schedules);
  if (known !== undefined && known.every((entry, index) => entry.schedule === schedules[index] && entry.cron.source === entry.schedule.cron) && known.length === schedules.length) return known;
  const compiled = compileAll(schedules);
  compiledBySchedules.set(schedules, compiled);
  return compiled;
}

function compileAll(schedules: readonly PrebuildSchedule[]): CompiledSchedule[] {
  return schedules.map((schedule) => {
    const result = compileCron(schedule.cron);
    // Callers validate first; reaching this means a caller skipped validation.
    if (!result.ok) throw new Error(`internal: unvalidated cron expression "${schedule.cron}"`);
    return { schedule, cron: result.cron };
  });
}

function countAt(compiled: readonly CompiledSchedule[], base: number, wall: WallClock): ScheduledCount {
  let winner: PrebuildSchedule | null = null;
  for (const { schedule, cron } of compiled) {
    if ((winner === null || schedule.instances > winner.instances) && cronMatches(cron, wall)) winner = schedule;
  }
  return winner === null ? { count: base, schedule: null, aheadFor: null } : { count: winner.instances, schedule: winner, aheadFor: null };
}

/** The scheduled count of a validated preset at `epochMs`, without lead time. */
export function countAtInstant(preset: Preset, epochMs: number): ScheduledCount {
  const scheduling = preset.scheduling;
  if (scheduling === null || scheduling === undefined || scheduling.schedules.length === 0) {
    return { count: preset.desiredInstances, schedule: null, aheadFor: null };
  }
  const wall = wallClockAt(scheduling.timezone, epochMs);
  return countAt(compiledSchedules(scheduling.schedules), preset.desiredInstances, wall);
}

/**
 * How many prebuilds `preset` wants at `at` according to its schedules: the largest `instances`
 * of the schedules whose cron matches the wall-clock minute of `at` in the preset's zone, or the
 * base `desiredInstances` when none matches. With `scheduling.leadTimeSeconds`, the largest such
 * count at any instant of `[at, at + lead]`. Ignores whether the preset is active and its target
 * expression.
 *
 * @throws {SnapshotValidationError} when the preset is invalid (bad cron, unknown zone, …).
 * @example
 * desiredInstances(
 *   { ...preset, desiredInstances: 0, scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-18 * * 1-5", instances: 3 }] } },
 *   new Date("2025-06-02T08:00:00Z"), // Monday 10:00 in Berlin
 * ); // → 3
 */
export function desiredInstances(preset: Preset, at: Date): number {
  // The schedules alone decide here: a target expression, valid or not, plays no part.
  const issues = issuesOf(presetRule, preset, "preset");
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) issues.push({ path: "at", message: "must be a valid Date" });
  if (issues.length > 0) throw new SnapshotValidationError(issues, typeof preset?.id === "string" ? preset.id : null);
  return scheduledCount(preset, at.getTime()).count;
}

function leadMs(preset: Preset): number {
  return (preset.scheduling?.leadTimeSeconds ?? 0) * 1000;
}

/**
 * The scheduled target of a validated preset at `epochMs` (SPEC §11): the largest scheduled count
 * at any instant of `[epochMs, epochMs + lead]`. Without a lead time, the count at `epochMs`.
 */
export function scheduledCount(preset: Preset, epochMs: number): ScheduledCount {
  let best = countAtInstant(preset, epochMs);
  const lead = leadMs(preset);
  if (lead === 0) return best;
  const end = epochMs + lead;
  // No instant can want more than the largest count there is: once reached, the rest of the window
  // cannot change the answer (a schedule that flips every minute would otherwise cost a visit to
  // each of a day's 1440 boundaries, per preset, per cycle).
  const ceiling = Math.max(preset.desiredInstances, ...(preset.scheduling?.schedules ?? []).map((schedule) => schedule.instances));
  // The count changes only at schedule boundaries: visit each one inside the lead window.
  for (let at = nextScheduleChange(preset, epochMs); at !== null && at <= end && best.count < ceiling; at = nextScheduleChange(preset, at)) {
    const later = countAtInstant(preset, at);
    if (later.count > best.count) best = { ...later, aheadFor: at };
  }
  return best;
}

/**
 * The first instant after `nowMs` at which the scheduled target (lead time included) may change:
 * a boundary of the schedules themselves (falling edges stay where they are), or a boundary
 * `lead` ahead (rising edges come that much earlier). May be earlier than the real change, never later.
 */
export function nextScheduledTargetChange(preset: Preset, nowMs: number): number | null {
  const here = nextScheduleChange(preset, nowMs);
  const lead = leadMs(preset);
  if (lead === 0 || here === null) return here;
  const ahead = nextScheduleChange(preset, nowMs + lead);
  return ahead === null ? here : Math.min(here, ahead - lead);
}

type Stability = 0 | 1 | 2;
const UNITS = ["minute", "hour", "day"] as const;

/** How long the match status of `cron` stays as it is at `wall`: to the next minute, hour or day. */
function stability(cron: CompiledCron, wall: WallClock): Stability {
  if (!dayMatches(cron, wall)) return 2;
  if (cron.hours[wall.hour] !== 1) return 1;
  if (!cron.everyMinute) return 0;
  return cron.everyHour ? 2 : 1;
}

/**
 * The first minute boundary after `nowMs` at which the scheduled count of a validated preset
 * differs from the count at `nowMs`; `nowMs + 8 days` when it does not change within that
 * horizon; `null` when the preset has no schedules.
 */
export function nextScheduleChange(preset: Preset, nowMs: number): number | null {
  const scheduling = preset.scheduling;
  if (scheduling === null || scheduling === undefined || scheduling.schedules.length === 0) return null;
  const compiled = compiledSchedules(scheduling.schedules);
  const base = preset.desiredInstances;
  const horizon = nowMs + SCHEDULE_HORIZON_MS;
  const current = countAt(compiled, base, wallClockAt(scheduling.timezone, nowMs)).count;
  const timeline = offsetTimeline(scheduling.timezone, nowMs, horizon);
  let segment = 0;
  let candidate = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  while (candidate <= horizon) {
    while (segment + 1 < timeline.starts.length && (timeline.starts[segment + 1] ?? Infinity) <= candidate) segment += 1;
    const offset = timeline.offsets[segment] ?? 0;
    const segmentEnd = timeline.starts[segment + 1] ?? Infinity;
    const shifted = candidate + offset;
    const wall = wallClockOfShifted(shifted);
    if (countAt(compiled, base, wall).count !== current) return candidate;
    let shortest: Stability = 2;
    for (const { cron } of compiled) {
      const stable = stability(cron, wall);
      if (stable < shortest) shortest = stable;
    }
    // Past an offset change the wall clock jumps, so the next look is at the change itself.
    candidate = Math.min(nextWallBoundary(shifted, UNITS[shortest]) - offset, segmentEnd);
  }
  return horizon;
}
