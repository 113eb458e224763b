/**
 * The desired count of a preset over time (SPEC §3): which schedule matches an instant, and
 * when the count next changes.
 */

import { type CompiledCron, compileCron, cronMatches, dayMatches } from "./cron.js";
import { SnapshotValidationError } from "./errors.js";
import { nextWallBoundary, offsetTimeline, wallClockAt, wallClockOfShifted, type WallClock } from "./timezone.js";
import type { PrebuildSchedule, Preset } from "./types.js";
import { validatePreset } from "./validate.js";

const MINUTE_MS = 60_000;
/** How far ahead `nextChangeAt` looks at schedules (SPEC §6). */
export const SCHEDULE_HORIZON_MS = 8 * 24 * 60 * MINUTE_MS;

/** The count a preset wants at an instant, and the schedule it comes from (`null`: the base count). */
export interface ScheduledCount {
  readonly count: number;
  readonly schedule: PrebuildSchedule | null;
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
  return winner === null ? { count: base, schedule: null } : { count: winner.instances, schedule: winner };
}

/** The scheduled count of a validated preset at `epochMs`. */
export function _scheduledCount(preset: Preset, epochMs: number): ScheduledCount {
  const scheduling = preset.scheduling;
  if (scheduling === null || scheduling === undefined || scheduling.schedules.length === 0) {
    return { count: preset.desiredInstances, schedule: null };
  }
  const wall = wallClockAt(scheduling.timezone, epochMs);
  return countAt(compiledSchedules(scheduling.schedules), preset.desiredInstances, wall);
}

/**
 * How many prebuilds `preset` wants at `at` according to its schedules: the largest `instances`
 * of the schedules whose cron matches the wall-clock minute of `at` in the preset's zone, or the
 * base `desiredInstances` when none matches. Ignores whether the preset is active.
 *
 * @throws {SnapshotValidationError} when the preset is invalid (bad cron, unknown zone, …).
 * @example
 * desiredInstances(
 *   { ...preset, desiredInstances: 0, scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-18 * * 1-5", instances: 3 }] } },
 *   new Date("2025-06-02T08:00:00Z"), // Monday 10:00 in Berlin
 * ); // → 3
 */
export function desiredInstances(preset: Preset, at: Date): number {
  const issues = validatePreset(preset);
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) issues.push({ path: "at", message: "must be a valid Date" });
  if (issues.length > 0) throw new SnapshotValidationError(issues, typeof preset?.id === "string" ? preset.id : null);
  return _scheduledCount(preset, at.getTime()).count;
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
export function _nextScheduleChange(preset: Preset, nowMs: number): number | null {
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
