/**
 * Validation of the core's inputs (SPEC §8): the public "list every problem" functions, and the
 * guards the decision functions call before they decide.
 */

import { SnapshotValidationError, type ValidationIssue } from "../errors.js";
import { LATEST_MS } from "../instant.js";
import type { Clock, Preset, PresetSnapshot } from "../types/index.js";
import { check, describeValue, IssueList, isRecord, issuesOf, nullable, object, array, boolean, count, type Rule } from "./rules.js";
import {
  backoffRule,
  claimEventRule,
  inProgressBuildsRule,
  memoryRule,
  presetConfigurationRule,
  presetRule,
  runningRule,
  statusRecordRule,
} from "./schemas.js";

function nullOr<T>(rule: Rule<T>): Rule<T | null> {
  return {
    is: (value): value is T | null => value === null || rule.is(value),
    explain(value, path, issues) {
      if (value !== null) rule.explain(value, path, issues);
    },
  };
}

/** Rows of one preset's snapshot must name that preset, and prebuild ids must not repeat. */
const rowsBelongToPreset: Rule<unknown> = {
  is: (value): value is unknown => rowProblems(value, null),
  explain(value, _path, issues) {
    rowProblems(value, issues);
  },
};

/** Checks the cross-row rules; reports to `issues` when given, otherwise stops at the first problem. */
function rowProblems(snapshot: unknown, issues: IssueList | null): boolean {
  if (!isRecord(snapshot) || !isRecord(snapshot["preset"])) return true;
  const presetId = snapshot["preset"]["id"];
  let valid = true;
  const seen = new Map<unknown, number>();
  const running = snapshot["running"] as readonly Record<string, unknown>[];
  running.forEach((row, index) => {
    const first = seen.get(row["id"]);
    if (first !== undefined) {
      valid = false;
      issues?.add(["running", index, "id"], `duplicate prebuild id ${describeValue(row["id"])}, also at running[${first}]`);
    } else seen.set(row["id"], index);
    if (row["presetId"] !== presetId) {
      valid = false;
      issues?.add(["running", index, "presetId"], `names preset ${describeValue(row["presetId"])}, but the snapshot is of preset ${describeValue(presetId)}`);
    }
  });
  const events = (snapshot["claimEvents"] ?? []) as readonly Record<string, unknown>[];
  events.forEach((event, index) => {
    if (event["presetId"] === presetId) return;
    valid = false;
    issues?.add(["claimEvents", index, "presetId"], `names preset ${describeValue(event["presetId"])}, but the snapshot is of preset ${describeValue(presetId)}`);
  });
  return valid;
}

const presetSnapshotRule: Rule<PresetSnapshot> = object(
  {
    preset: presetRule,
    running: array(runningRule),
    inProgress: inProgressBuildsRule,
    pendingNonActive: count,
    backoff: nullOr(backoffRule),
    hardLimited: boolean,
    claimEvents: nullable(array(claimEventRule)),
    recordedStatus: nullable(statusRecordRule),
    memory: nullable(memoryRule),
  },
  [rowsBelongToPreset],
) as Rule<PresetSnapshot>;

/**
 * Every problem of a preset's configuration, without throwing: for configuration time, before a
 * preset ever reaches a snapshot. Paths are relative to the preset (`scheduling.schedules[0].cron`).
 *
 * @example
 * const issues = validatePreset({ ...preset, desiredInstances: -1 });
 * // → [{ path: "desiredInstances", message: "must be a non-negative integer, got -1" }]
 */
export function validatePreset(preset: Preset): ValidationIssue[] {
  return issuesOf(presetConfigurationRule, preset, "preset");
}

/**
 * Every problem of a preset snapshot, with paths from the snapshot's root (`running[2].createdAt`),
 * without throwing.
 *
 * @example
 * for (const issue of validatePresetSnapshot(snapshot)) console.warn(`${issue.path}: ${issue.message}`);
 */
export function validatePresetSnapshot(snapshot: PresetSnapshot): ValidationIssue[] {
  return issuesOf(presetSnapshotRule, snapshot, "snapshot");
}

/** Throws {@link SnapshotValidationError} when the snapshot is invalid. */
export function assertValidSnapshot(snapshot: PresetSnapshot): void {
  const value: unknown = snapshot;
  if (presetSnapshotRule.is(value)) return;
  const presetId: unknown = isRecord(value) && isRecord(value["preset"]) ? value["preset"]["id"] : undefined;
  throw new SnapshotValidationError(validatePresetSnapshot(snapshot), typeof presetId === "string" ? presetId : null);
}

/**
 * The latest "now" the core accepts: it looks up to ten days ahead of now (schedules 8 days, a lead
 * time of up to a day, a day of slack), and those instants must still be Dates.
 */
const LATEST_NOW_MS = LATEST_MS - 30 * 24 * 60 * 60 * 1000;

const validNow = check(
  (value): value is Date => value instanceof Date && !Number.isNaN(value.getTime()) && value.getTime() <= LATEST_NOW_MS,
  (value) =>
    value instanceof Date && !Number.isNaN(value.getTime())
      ? `must be no later than ${new Date(LATEST_NOW_MS).toISOString()} (the core looks days ahead of now, and Dates end at ${new Date(LATEST_MS).toISOString()}), got ${value.toISOString()}`
      : `must be a valid Date, got ${describeValue(value)}`,
);

/** Reads the clock once; throws {@link SnapshotValidationError} when it returns no valid Date. */
export function readClock(clock: Clock): number {
  if (!isRecord(clock) || typeof clock.now !== "function") {
    throw new SnapshotValidationError([{ path: "clock", message: "must be an object with a now() method" }]);
  }
  const now: unknown = clock.now();
  if (!validNow.is(now)) throw new SnapshotValidationError(issuesOf(validNow, now, "clock.now()"));
  return now.getTime();
}

export { presetRule } from "./schemas.js";
