/** `preview <preset.json>`: the desired-count timeline of a preset's schedules. */

import pc from "picocolors";
import { nextScheduledTargetChange, scheduledCount } from "../core/schedule.js";
import { describeInstant, offsetTimeline } from "../core/timezone.js";
import { validatePreset } from "../core/validate/index.js";
import { terminalChart } from "./chart.js";
import { CliInputError, parseCount, parseInstant, readPreset } from "./input.js";
import type { CommandIo } from "./io.js";
import { PREVIEW_DAYS } from "./limits.js";

const HOUR_MS = 3_600_000;

function weekday(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short" }).format(at);
}

function formatOffset(offsetMs: number): string {
  const minutes = Math.round(offsetMs / 60_000);
  const sign = minutes < 0 ? "-" : "+";
  const absolute = Math.abs(minutes);
  return `${sign}${String(Math.floor(absolute / 60)).padStart(2, "0")}:${String(absolute % 60).padStart(2, "0")}`;
}

/** A lead time in words, exact to the second: "30 min", "2 h", "1 h 15 min", "1 min 30 s", "20 s". */
function leadTimeText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const parts = [
    [Math.floor(seconds / 3600), "h"],
    [Math.floor((seconds % 3600) / 60), "min"],
    [seconds % 60, "s"],
  ] as const;
  return parts
    .filter(([amount]) => amount > 0)
    .map(([amount, unit]) => `${amount} ${unit}`)
    .join(" ");
}

/** Runs `preview`; resolves to the exit code. */
export function previewCommand(file: string, options: { from?: string; days?: string | number }, io: CommandIo, now: Date): number {
  const colors = pc.createColors(io.color);
  const preset = readPreset(file);
  const issues = validatePreset(preset);
  if (issues.length > 0) throw new CliInputError(issues.map((issue) => `${file}: ${issue.path}: ${issue.message}`).join("\n"));
  const from = parseInstant(options.from, "--from", now);
  const days = parseCount(options.days, "--days", 7, PREVIEW_DAYS);
  const endMs = from.getTime() + days * 24 * HOUR_MS;
  const zone = preset.scheduling?.timezone ?? "UTC";
  const schedules = preset.scheduling?.schedules ?? [];
  io.out(`${colors.bold(preset.name || preset.id)}: desired count from ${from.toISOString()} for ${days} day${days === 1 ? "" : "s"} (${zone})\n`);
  if (schedules.length === 0) io.out(`no schedules: always ${preset.desiredInstances}\n`);

  const events: { atMs: number; line: string }[] = [];
  const first = scheduledCount(preset, from.getTime());
  events.push({ atMs: from.getTime(), line: `start: ${first.count}${first.schedule === null ? " (base count)" : ` (schedule \`${first.schedule.cron}\`)`}` });
  let cursor = from.getTime();
  let count = first.count;
  while (schedules.length > 0) {
    const next = nextScheduledTargetChange(preset, cursor);
    if (next === null || next > endMs) break;
    const scheduled = scheduledCount(preset, next);
    if (scheduled.count !== count) {
      const source = scheduled.schedule === null ? "base count" : `schedule \`${scheduled.schedule.cron}\``;
      // With a lead time, a rise comes early: say for which instant the pool is warming up. A fall
      // is never moved, so it never says so.
      const rises = scheduled.count > count;
      const ahead = !rises || scheduled.aheadFor === null || scheduled.aheadFor <= next ? "" : `, ${leadTimeText(scheduled.aheadFor - next)} ahead of ${describeInstant(new Date(scheduled.aheadFor), zone)}`;
      events.push({ atMs: next, line: `${count} → ${scheduled.count} (${source}${ahead})` });
      count = scheduled.count;
    }
    cursor = next;
  }
  const timeline = offsetTimeline(zone, from.getTime(), endMs);
  timeline.starts.forEach((startMs, index) => {
    if (index === 0 || startMs > endMs) return;
    const before = formatOffset(timeline.offsets[index - 1] ?? 0);
    const after = formatOffset(timeline.offsets[index] ?? 0);
    events.push({ atMs: startMs, line: colors.yellow(`DST: UTC offset ${before} → ${after}`) });
  });
  events.sort((left, right) => left.atMs - right.atMs);
  for (const event of events) {
    const at = new Date(event.atMs);
    io.out(`  ${weekday(at, zone)} ${describeInstant(at, zone).padEnd(24)} ${at.toISOString().slice(0, 16)}Z  ${event.line}\n`);
  }
  const hourly = Array.from({ length: days * 24 }, (_, hour) => scheduledCount(preset, from.getTime() + hour * HOUR_MS).count);
  io.out(`\ndesired count, hourly:\n${terminalChart([hourly], { colors: io.color })}\n`);
  return 0;
}
