/**
 * Input validation (SPEC §8). Every check appends `{ path, message }` issues instead of throwing,
 * so one pass reports every bad field; the public functions turn them into typed errors.
 */

import { compileCron } from "./cron.js";
import { PolicyValidationError, SnapshotValidationError, type ValidationIssue } from "./errors.js";
import { timeZoneProblem } from "./timezone.js";
import type { Clock, Preset, PresetSnapshot, ReconcilePolicy } from "./types.js";

/**
 * The default of {@link ReconcilePolicy.backoffIntervalMs}: one minute per failed build.
 *
 * @example
 * planCycle(snapshot, clock, { backoffIntervalMs: 2 * DEFAULT_BACKOFF_INTERVAL_MS });
 */
export const DEFAULT_BACKOFF_INTERVAL_MS = 60_000;

/** A policy with defaults filled in. */
export interface ResolvedPolicy {
  readonly backoffIntervalMs: number;
  readonly maxCreatesPerCycle: number | null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "missing";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Date) return "an invalid Date";
  return `a ${typeof value}`;
}

/** Whether `value` is a non-null object (arrays included). */
export function _isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Appends an issue unless `value` is a non-negative integer. */
export function _checkCount(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    issues.push({ path, message: `must be a non-negative integer, got ${describe(value)}` });
  }
}

/** Appends an issue unless `value` is a valid `Date`. */
export function _checkDate(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    issues.push({ path, message: `must be a valid Date, got ${describe(value)}` });
  }
}

/** Appends an issue unless `value` is a boolean. */
export function _checkBoolean(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (typeof value !== "boolean") issues.push({ path, message: `must be a boolean, got ${describe(value)}` });
}

/** Appends an issue unless `value` is a non-empty string. */
export function _checkId(value: unknown, path: string, issues: ValidationIssue[]): void {
  if (typeof value !== "string" || value.length === 0) {
    issues.push({ path, message: `must be a non-empty string, got ${describe(value)}` });
  }
}

/** Appends an issue unless `value` is an object; returns whether it is. */
export function _checkObject(value: unknown, path: string, issues: ValidationIssue[]): value is Record<string, unknown> {
  if (_isRecord(value)) return true;
  issues.push({ path, message: `must be an object, got ${describe(value)}` });
  return false;
}

/** Appends an issue unless `value` is an array; returns whether it is. */
export function _checkArray(value: unknown, path: string, issues: ValidationIssue[]): value is readonly unknown[] {
  if (Array.isArray(value)) return true;
  issues.push({ path, message: `must be an array, got ${describe(value)}` });
  return false;
}

function join(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

function checkScheduling(scheduling: unknown, prefix: string, issues: ValidationIssue[]): void {
  if (scheduling === null || scheduling === undefined) return;
  const path = join(prefix, "scheduling");
  if (!_checkObject(scheduling, path, issues)) return;
  const schedules = scheduling["schedules"];
  const timezone = scheduling["timezone"];
  const hasSchedules = Array.isArray(schedules) && schedules.length > 0;
  if (timezone === undefined || timezone === null || timezone === "") {
    if (hasSchedules) issues.push({ path: `${path}.timezone`, message: "is required when schedules are given" });
  } else if (typeof timezone !== "string") {
    issues.push({ path: `${path}.timezone`, message: `must be an IANA time zone name, got ${describe(timezone)}` });
  } else {
    const problem = timeZoneProblem(timezone);
    if (problem !== null) issues.push({ path: `${path}.timezone`, message: problem });
  }
  if (!_checkArray(schedules, `${path}.schedules`, issues)) return;
  schedules.forEach((schedule, index) => {
    const schedulePath = `${path}.schedules[${index}]`;
    if (!_checkObject(schedule, schedulePath, issues)) return;
    const cron = schedule["cron"];
    if (typeof cron !== "string") {
      issues.push({ path: `${schedulePath}.cron`, message: `must be a cron expression string, got ${describe(cron)}` });
    } else {
      const compiled = compileCron(cron);
      if (!compiled.ok) issues.push({ path: `${schedulePath}.cron`, message: `invalid cron expression ${describe(cron)}: ${compiled.message}` });
    }
    _checkCount(schedule["instances"], `${schedulePath}.instances`, issues);
  });
}

/** Appends the issues of a preset, with paths under `prefix` (empty for none). */
export function _checkPreset(preset: unknown, prefix: string, issues: ValidationIssue[]): void {
  if (!_checkObject(preset, prefix === "" ? "preset" : prefix, issues)) return;
  for (const key of ["id", "organizationId", "templateId", "templateVersionId"] as const) {
    _checkId(preset[key], join(prefix, key), issues);
  }
  if (typeof preset["name"] !== "string") {
    issues.push({ path: join(prefix, "name"), message: `must be a string, got ${describe(preset["name"])}` });
  }
  for (const key of ["usingActiveVersion", "templateDeleted", "templateDeprecated"] as const) {
    _checkBoolean(preset[key], join(prefix, key), issues);
  }
  _checkCount(preset["desiredInstances"], join(prefix, "desiredInstances"), issues);
  const ttl = preset["ttlSeconds"];
  if (ttl !== null && ttl !== undefined) {
    if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0) {
      issues.push({ path: join(prefix, "ttlSeconds"), message: `must be a non-negative whole number of seconds or null, got ${describe(ttl)}` });
    }
  }
  const invalidatedAt = preset["lastInvalidatedAt"];
  if (invalidatedAt !== null && invalidatedAt !== undefined) _checkDate(invalidatedAt, join(prefix, "lastInvalidatedAt"), issues);
  checkScheduling(preset["scheduling"], prefix, issues);
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function isId(value: unknown): boolean {
  return typeof value === "string" && value.length > 0;
}

/**
 * Whether `_checkPreset` would find nothing, without building a single path string: the common
 * case costs no allocation; a preset that fails runs `_checkPreset` for the messages.
 */
export function _isValidPreset(preset: unknown): boolean {
  if (!_isRecord(preset)) return false;
  if (!isId(preset["id"]) || !isId(preset["organizationId"]) || !isId(preset["templateId"]) || !isId(preset["templateVersionId"])) return false;
  if (typeof preset["name"] !== "string") return false;
  if (typeof preset["usingActiveVersion"] !== "boolean" || typeof preset["templateDeleted"] !== "boolean" || typeof preset["templateDeprecated"] !== "boolean") return false;
  if (!isCount(preset["desiredInstances"])) return false;
  const ttl = preset["ttlSeconds"];
  if (ttl !== null && ttl !== undefined && !isCount(ttl)) return false;
  const invalidatedAt = preset["lastInvalidatedAt"];
  if (invalidatedAt !== null && invalidatedAt !== undefined && (!(invalidatedAt instanceof Date) || Number.isNaN(invalidatedAt.getTime()))) return false;
  const scheduling = preset["scheduling"];
  if (scheduling === null || scheduling === undefined) return true;
  if (!_isRecord(scheduling)) return false;
  const { schedules, timezone } = scheduling;
  if (!Array.isArray(schedules)) return false;
  if (timezone === undefined || timezone === null || timezone === "") return schedules.length === 0 ? true : false;
  if (typeof timezone !== "string" || timeZoneProblem(timezone) !== null) return false;
  for (const schedule of schedules as unknown[]) {
    if (!_isRecord(schedule) || typeof schedule["cron"] !== "string" || !compileCron(schedule["cron"]).ok || !isCount(schedule["instances"])) return false;
  }
  return true;
}

/**
 * Every problem of a preset's configuration, without throwing: for configuration time, before a
 * preset ever reaches a snapshot. Paths are relative to the preset (`scheduling.schedules[0].cron`).
 *
 * @example
 * const issues = validatePreset({ ...preset, desiredInstances: -1 });
 * // → [{ path: "desiredInstances", message: "must be a non-negative integer, got -1" }]
 */
export function validatePreset(preset: Preset): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  _checkPreset(preset, "", issues);
  return issues;
}

/** Appends the issues of one running prebuild row. */
export function _checkRunning(row: unknown, path: string, issues: ValidationIssue[]): void {
  if (!_checkObject(row, path, issues)) return;
  _checkId(row["id"], `${path}.id`, issues);
  _checkId(row["presetId"], `${path}.presetId`, issues);
  _checkDate(row["createdAt"], `${path}.createdAt`, issues);
  _checkBoolean(row["ready"], `${path}.ready`, issues);
}

/** Appends the issues of a backoff (without its preset id). */
export function _checkBackoff(backoff: unknown, path: string, issues: ValidationIssue[]): void {
  if (!_checkObject(backoff, path, issues)) return;
  _checkCount(backoff["failedBuilds"], `${path}.failedBuilds`, issues);
  _checkDate(backoff["lastBuildAt"], `${path}.lastBuildAt`, issues);
}

/**
 * Every problem of a preset snapshot, with paths from the snapshot's root (`running[2].createdAt`),
 * without throwing.
 *
 * @example
 * for (const issue of validatePresetSnapshot(snapshot)) console.warn(`${issue.path}: ${issue.message}`);
 */
export function validatePresetSnapshot(snapshot: PresetSnapshot): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!_checkObject(snapshot, "snapshot", issues)) return issues;
  _checkPreset(snapshot.preset, "preset", issues);
  const presetId: unknown = _isRecord(snapshot.preset) ? snapshot.preset["id"] : undefined;
  if (_checkArray(snapshot.running, "running", issues)) {
    const seen = new Map<unknown, number>();
    snapshot.running.forEach((row: unknown, index) => {
      const path = `running[${index}]`;
      _checkRunning(row, path, issues);
      if (!_isRecord(row)) return;
      const first = seen.get(row["id"]);
      if (first !== undefined) issues.push({ path: `${path}.id`, message: `duplicate prebuild id ${describe(row["id"])}, also at running[${first}]` });
      else seen.set(row["id"], index);
      if (typeof row["presetId"] === "string" && row["presetId"] !== presetId) {
        issues.push({ path: `${path}.presetId`, message: `names preset ${describe(row["presetId"])}, but the snapshot is of preset ${describe(presetId)}` });
      }
    });
  }
  if (_checkObject(snapshot.inProgress, "inProgress", issues)) {
    for (const key of ["start", "stop", "delete"] as const) _checkCount(snapshot.inProgress[key], `inProgress.${key}`, issues);
  }
  _checkCount(snapshot.pendingNonActive, "pendingNonActive", issues);
  if (snapshot.backoff !== null) _checkBackoff(snapshot.backoff, "backoff", issues);
  _checkBoolean(snapshot.hardLimited, "hardLimited", issues);
  return issues;
}

/** Throws {@link SnapshotValidationError} when the snapshot is invalid. */
export function _assertValidSnapshot(snapshot: PresetSnapshot): void {
  const issues = validatePresetSnapshot(snapshot);
  if (issues.length === 0) return;
  const presetId: unknown = _isRecord(snapshot) && _isRecord(snapshot.preset) ? snapshot.preset["id"] : undefined;
  throw new SnapshotValidationError(issues, typeof presetId === "string" ? presetId : null);
}

/** Reads the clock once; throws {@link SnapshotValidationError} when it returns no valid Date. */
export function _readClock(clock: Clock): number {
  const issues: ValidationIssue[] = [];
  if (!_isRecord(clock) || typeof clock.now !== "function") {
    throw new SnapshotValidationError([{ path: "clock", message: "must be an object with a now() method" }]);
  }
  const now: unknown = clock.now();
  _checkDate(now, "clock.now()", issues);
  if (issues.length > 0) throw new SnapshotValidationError(issues);
  return (now as Date).getTime();
}

/** Fills in the policy's defaults; throws {@link PolicyValidationError} when it is invalid. */
export function _resolvePolicy(policy: Partial<ReconcilePolicy> | undefined): ResolvedPolicy {
  if (policy === undefined) return { backoffIntervalMs: DEFAULT_BACKOFF_INTERVAL_MS, maxCreatesPerCycle: null };
  const issues: ValidationIssue[] = [];
  if (!_isRecord(policy)) throw new PolicyValidationError([{ path: "policy", message: `must be an object, got ${describe(policy)}` }]);
  const interval = policy.backoffIntervalMs ?? DEFAULT_BACKOFF_INTERVAL_MS;
  if (typeof interval !== "number" || !Number.isFinite(interval) || interval < 0) {
    issues.push({ path: "policy.backoffIntervalMs", message: `must be a finite number of milliseconds ≥ 0, got ${describe(interval)}` });
  }
  const budget = policy.maxCreatesPerCycle ?? null;
  if (budget !== null) _checkCount(budget, "policy.maxCreatesPerCycle", issues);
  if (issues.length > 0) throw new PolicyValidationError(issues);
  return { backoffIntervalMs: interval, maxCreatesPerCycle: budget };
}
