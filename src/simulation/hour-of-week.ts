/**
 * Counts per hour of the week (168 of them, Monday 00:00 first, in a zone's wall-clock time) and
 * the preset scheduling that gives them: a base count and cron schedules.
 */

import { wallClockAt } from "../core/timezone.js";
import type { PrebuildSchedule, PresetScheduling } from "../core/types/index.js";

/** Hours in a week. */
export const HOURS_PER_WEEK = 168;

/** The hour of the week of an instant in a zone: 0 is Monday 00:00–00:59, 167 Sunday 23:00–23:59. */
export function hourOfWeekAt(timezone: string, epochMs: number): number {
  const wall = wallClockAt(timezone, epochMs);
  return ((wall.dayOfWeek + 6) % 7) * 24 + wall.hour;
}

/** `8-10,14,16-17`: sorted whole numbers as a cron list with ranges. */
function cronList(values: readonly number[]): string {
  const parts: string[] = [];
  let index = 0;
  while (index < values.length) {
    const first = values[index] as number;
    let last = first;
    while (values[index + 1] === last + 1) {
      index += 1;
      last += 1;
    }
    parts.push(first === last ? String(first) : `${first}-${last}`);
    index += 1;
  }
  return parts.join(",");
}

/** The desired count and scheduling that give `counts` per hour of week in `timezone`. */
export interface ScheduledCounts {
  /** The base count: the smallest of the counts. */
  readonly desiredInstances: number;
  /** Schedules for the hours above the base, or `null` when every hour has the base count. */
  readonly scheduling: PresetScheduling | null;
}

/**
 * Schedules that give a count per hour of the week: the smallest count becomes the base
 * (`desiredInstances`), and every larger count one cron schedule per set of weekdays sharing the
 * same hours, such as `* 8-10,14 * * 1-5`. Each hour matches exactly one schedule, so the result
 * does not depend on "the largest wins".
 *
 * @example
 * const counts = new Array(168).fill(0);
 * for (const day of [0, 1, 2, 3, 4]) for (const hour of [8, 9, 10]) counts[day * 24 + hour] = 3;
 * schedulesForCounts(counts, "Europe/Berlin", 600);
 * // → { desiredInstances: 0, scheduling: { timezone: "Europe/Berlin", leadTimeSeconds: 600, schedules: [{ cron: "* 8-10 * * 1-5", instances: 3 }] } }
 */
export function schedulesForCounts(counts: readonly number[], timezone: string, leadTimeSeconds: number): ScheduledCounts {
  const base = Math.min(...counts);
  const schedules: PrebuildSchedule[] = [];
  const values = [...new Set(counts)].filter((value) => value > base).sort((left, right) => left - right);
  for (const value of values) {
    // Weekdays (cron numbering: 0 is Sunday) by the hours at which they have this count.
    const daysByHours = new Map<string, number[]>();
    for (let day = 0; day < 7; day += 1) {
      const hours: number[] = [];
      for (let hour = 0; hour < 24; hour += 1) if (counts[day * 24 + hour] === value) hours.push(hour);
      if (hours.length === 0) continue;
      const key = cronList(hours);
      daysByHours.set(key, [...(daysByHours.get(key) ?? []), (day + 1) % 7]);
    }
    for (const [hours, days] of daysByHours) {
      const dayField = days.length === 7 ? "*" : cronList([...days].sort((left, right) => left - right));
      schedules.push({ cron: `* ${hours === "0-23" ? "*" : hours} * * ${dayField}`, instances: value });
    }
  }
  if (schedules.length === 0) return { desiredInstances: base, scheduling: null };
  return { desiredInstances: base, scheduling: { timezone, schedules, ...(leadTimeSeconds > 0 ? { leadTimeSeconds } : {}) } };
}
