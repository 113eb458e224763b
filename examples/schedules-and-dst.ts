/**
 * The tables of docs/schedules-and-dst.md: exact windows, DST gaps and overlaps, the day rule,
 * and which expressions and time zones validation accepts.
 *
 *   node --import tsx examples/schedules-and-dst.ts
 *
 * The output does not depend on the host's time zone (try TZ=America/New_York).
 */

import { desiredInstances, nextChangeAt, validatePreset, type Preset, type PresetSnapshot } from "../src/index.js";

/** A preset that wants 1 while `cron` matches in `timezone`, and 0 otherwise. */
function preset(timezone: string, cron: string): Preset {
  return {
    id: "p1",
    name: "eu-dev",
    organizationId: "org",
    templateId: "tpl",
    templateVersionId: "tv-2",
    usingActiveVersion: true,
    templateDeleted: false,
    templateDeprecated: false,
    desiredInstances: 0,
    scheduling: { timezone, schedules: [{ cron, instances: 1 }] },
  };
}

function table(title: string, timezone: string, cron: string, instants: readonly string[]): void {
  console.log(`\n${title}: \`${cron}\` in ${timezone}`);
  for (const iso of instants) console.log(`  ${iso} → ${desiredInstances(preset(timezone, cron), new Date(iso))}`);
}

table("Exact window (Monday 2026-06-01, UTC+2)", "Europe/Berlin", "* 9-18 * * 1-5", [
  "2026-06-01T06:59:59.999Z",
  "2026-06-01T07:00:00Z",
  "2026-06-01T16:59:59.999Z",
  "2026-06-01T17:00:00Z",
]);
table("Gap: 02:00–03:00 is skipped on 2026-03-29", "Europe/Berlin", "30 2 * * *", [
  "2026-03-28T01:30:00Z",
  "2026-03-29T00:30:00Z",
  "2026-03-29T01:30:00Z",
  "2026-03-30T00:30:00Z",
]);
table("Overlap: 02:00–03:00 happens twice on 2026-10-25", "Europe/Berlin", "30 2 * * *", [
  "2026-10-25T00:30:00Z",
  "2026-10-25T00:31:00Z",
  "2026-10-25T01:30:00Z",
  "2026-10-25T01:31:00Z",
]);
table("Overlap, whole hour", "Europe/Berlin", "* 2 * * *", [
  "2026-10-24T23:59:59Z",
  "2026-10-25T00:00:00Z",
  "2026-10-25T01:59:59Z",
  "2026-10-25T02:00:00Z",
]);
table("Both day fields restricted: the 13th OR a Friday", "UTC", "* * 13 * 5", [
  "2026-10-13T12:00:00Z", // Tuesday the 13th
  "2026-11-13T12:00:00Z", // Friday the 13th
  "2026-11-19T12:00:00Z", // Thursday the 19th
  "2026-11-20T12:00:00Z", // Friday the 20th
]);
table("Day-of-week unrestricted: the 13th only", "UTC", "* * 13 * *", ["2026-11-13T12:00:00Z", "2026-11-20T12:00:00Z"]);
table("`*/2` counts as restricted: odd days OR Fridays", "UTC", "* * */2 * 5", [
  "2026-11-11T12:00:00Z", // Wednesday the 11th
  "2026-11-12T12:00:00Z", // Thursday the 12th
  "2026-11-20T12:00:00Z", // Friday the 20th
]);

function snapshotOf(cron: string): PresetSnapshot {
  const empty = { running: [], inProgress: { start: 0, stop: 0, delete: 0 }, pendingNonActive: 0, backoff: null, hardLimited: false };
  return { preset: preset("Europe/Berlin", cron), ...empty };
}
const clockAt = (iso: string) => ({ now: () => new Date(iso) });
console.log("\nnextChangeAt across DST, Europe/Berlin");
console.log(`  \`30 2 * * *\` from 2026-03-28T12:00Z → ${nextChangeAt(snapshotOf("30 2 * * *"), clockAt("2026-03-28T12:00:00Z"))?.toISOString()}`);
console.log(`  \`* 2 * * *\` from 2026-10-25T00:30Z → ${nextChangeAt(snapshotOf("* 2 * * *"), clockAt("2026-10-25T00:30:00Z"))?.toISOString()}`);

console.log("\nValidation of cron expressions (validatePreset)");
for (const cron of ["0 9 * * mon-fri", "*/15 9-17 * * *", "0 9 * * 7", "* 9-17 * * 1-5,3", "0 9 * * 0,7", "@daily", "0 9 * * 1-5 2026", "0 9 ? * MON", "0 9 L * *", "0 9 * * 5#3", "0 24 * * *", "0 0 30,31 2 *"]) {
  const issues = validatePreset(preset("UTC", cron));
  console.log(`  ${JSON.stringify(cron)} → ${issues.length === 0 ? "ok" : issues.map((issue) => issue.message).join("; ")}`);
}
console.log("\nValidation of time zones (validatePreset)");
for (const timezone of ["Europe/Berlin", "UTC", "US/Eastern", "CET", "europe/berlin", "+01:00", "Z", "Mars/Olympus", ""]) {
  const issues = validatePreset(preset(timezone, "* * * * *"));
  console.log(`  ${JSON.stringify(timezone)} → ${issues.length === 0 ? "ok" : issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")}`);
}
