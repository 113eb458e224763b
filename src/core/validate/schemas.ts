/**
 * The rules of every input (SPEC §8, §11, §12), each declared once with ./rules.ts. planCycle asks
 * `is` for every row (no allocation when the row is valid) and `explain` only for a bad one.
 */

import { compileCron } from "../cron.js";
import { compileTargetExpression } from "../expression/index.js";
import { timeZoneProblem } from "../timezone.js";
import type {
  BackoffRow,
  ClaimEvent,
  DesiredSample,
  ExpectedCreates,
  ExpectedDelete,
  InProgressRow,
  PendingNonActiveRow,
  PrebuildSchedule,
  Preset,
  PresetMemory,
  PresetScheduling,
  RecordedPresetStatus,
  RunningPrebuild,
} from "../types/index.js";
import { array, boolean, check, count, date, describeValue, either, id, isRecord, nullable, object, oneOf, text, type Rule } from "./rules.js";

/** The longest lead time: a day. A longer one would make every schedule mean "always". */
export const MAX_LEAD_TIME_SECONDS = 86_400;

const cron: Rule<string> = {
  is: (value): value is string => typeof value === "string" && compileCron(value).ok,
  explain(value, path, issues) {
    if (typeof value !== "string") {
      issues.add(path, `must be a cron expression string, got ${describeValue(value)}`);
      return;
    }
    const compiled = compileCron(value);
    if (!compiled.ok) issues.add(path, `invalid cron expression ${describeValue(value)}: ${compiled.message}`);
  },
};

const schedule: Rule<PrebuildSchedule> = object({ cron, instances: count });

function isMissingZone(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

const timezoneName: Rule<string | null | undefined> = {
  is: (value): value is string | null | undefined => isMissingZone(value) || (typeof value === "string" && timeZoneProblem(value) === null),
  explain(value, path, issues) {
    if (isMissingZone(value)) return;
    if (typeof value !== "string") issues.add(path, `must be an IANA time zone name, got ${describeValue(value)}`);
    else {
      const problem = timeZoneProblem(value);
      if (problem !== null) issues.add(path, problem);
    }
  },
};

const leadTime: Rule<number | undefined> = {
  is: (value): value is number | undefined => value === undefined || (count.is(value) && value <= MAX_LEAD_TIME_SECONDS),
  explain(value, path, issues) {
    if (value === undefined) return;
    if (!count.is(value)) issues.add(path, `must be a whole number of seconds ≥ 0, got ${describeValue(value)}`);
    else if (value > MAX_LEAD_TIME_SECONDS) issues.add(path, `must be at most ${MAX_LEAD_TIME_SECONDS} (a day), got ${value}`);
  },
};

/** Whether a scheduling object (its fields already valid) names a zone as soon as it has a schedule. */
function zoneGivenWhenScheduled(value: unknown): boolean {
  return !isRecord(value) || !(isMissingZone(value["timezone"]) && Array.isArray(value["schedules"]) && value["schedules"].length > 0);
}

const zoneWhenScheduled: Rule<unknown> = {
  is: (value): value is unknown => zoneGivenWhenScheduled(value),
  explain(value, path, issues) {
    if (!zoneGivenWhenScheduled(value)) issues.add([...path, "timezone"], "is required when schedules are given");
  },
};

const scheduling = nullable(
  object({ timezone: timezoneName, schedules: array(schedule), leadTimeSeconds: leadTime }, [zoneWhenScheduled]),
) as Rule<PresetScheduling | null | undefined>;

const ttlSeconds: Rule<number | null | undefined> = check(
  (value): value is number | null | undefined => value === null || value === undefined || count.is(value),
  (value) => `must be a non-negative whole number of seconds or null, got ${describeValue(value)}`,
);

/**
 * In a snapshot an expression need only be text: one that does not compile falls back to the
 * scheduled target at planning time (SPEC §11), so that a typo never leaves a pool unmanaged.
 */
const expressionText: Rule<string | null | undefined> = check(
  (value): value is string | null | undefined => value === null || value === undefined || typeof value === "string",
  (value) => `must be an expression string or null, got ${describeValue(value)}`,
);

/** At configuration time it must compile, so that admins catch the typo when they save it. */
const compilingExpression: Rule<string | null | undefined> = {
  is: (value): value is string | null | undefined => value === null || value === undefined || (typeof value === "string" && compileTargetExpression(value).ok),
  explain(value, path, issues) {
    if (value === null || value === undefined) return;
    if (typeof value !== "string") {
      issues.add(path, `must be an expression string or null, got ${describeValue(value)}`);
      return;
    }
    const compiled = compileTargetExpression(value);
    if (!compiled.ok) issues.add(path, `invalid target expression: ${compiled.message}`);
  },
};

const presetFields = {
  id,
  organizationId: id,
  templateId: id,
  templateVersionId: id,
  name: text,
  usingActiveVersion: boolean,
  templateDeleted: boolean,
  templateDeprecated: boolean,
  desiredInstances: count,
  ttlSeconds,
  lastInvalidatedAt: nullable(date),
  scheduling,
};

/** A preset in a snapshot (SPEC §2, §11). */
export const presetRule = object({ ...presetFields, desiredInstancesExpression: expressionText }) as Rule<Preset>;

/** A preset's configuration (SPEC §8): as in a snapshot, and its target expression compiles. */
export const presetConfigurationRule = object({ ...presetFields, desiredInstancesExpression: compilingExpression }) as Rule<Preset>;

/** A running prebuild. */
export const runningRule: Rule<RunningPrebuild> = object({ id, presetId: id, createdAt: date, ready: boolean });

/** A row of in-progress builds. */
export const inProgressRule: Rule<InProgressRow> = object({ presetId: id, transition: oneOf(["start", "stop", "delete"]), count });

/** The in-progress builds of one preset. */
export const inProgressBuildsRule = object({ start: count, stop: count, delete: count });

/** A row of pending non-active creates. */
export const pendingNonActiveRule: Rule<PendingNonActiveRow> = object({ presetId: id, count });

/** A backoff, without its preset id. */
export const backoffRule = object({ failedBuilds: count, lastBuildAt: date });

/** A backoff row. */
export const backoffRowRule: Rule<BackoffRow> = object({ presetId: id, failedBuilds: count, lastBuildAt: date });

/** A claim event. */
export const claimEventRule: Rule<ClaimEvent> = object({ presetId: id, at: date, outcome: oneOf(["claimed", "missed"]) });

/** A recorded status; a `validationFailed` one must name the configuration that failed. */
const statusFields = { status: oneOf(["normal", "hardLimited", "validationFailed"]), configurationKey: either(id, check((value): value is null => value === null, (value) => `must be a string or null, got ${describeValue(value)}`)) };
const keyWhenFailed: Rule<unknown> = check(
  (value): value is unknown => isRecord(value) && (value["status"] !== "validationFailed" || typeof value["configurationKey"] === "string"),
  () => "a validationFailed status must name the configurationKey that failed",
);

/** The recorded status of one preset. */
export const statusRecordRule = object(statusFields, [keyWhenFailed]);

/** A recorded status row. */
export const recordedStatusRule = object({ presetId: id, ...statusFields }, [keyWhenFailed]) as Rule<RecordedPresetStatus>;

const earlierWithinCount: Rule<unknown> = check(
  (value): value is unknown => !isRecord(value) || typeof value["fromEarlierCalls"] !== "number" || typeof value["count"] !== "number" || value["fromEarlierCalls"] <= value["count"],
  () => "fromEarlierCalls must not be larger than count",
);
const expectedCreates: Rule<ExpectedCreates | null> = nullable(
  object({ count, fromEarlierCalls: count, startingBaseline: count, runningBaseline: array(id), askedAt: date, expiresAt: date }, [earlierWithinCount]),
) as Rule<ExpectedCreates | null>;
const expectedDelete: Rule<ExpectedDelete> = object({ workspaceId: id, expiresAt: date });
const desiredSample: Rule<DesiredSample> = object({ at: date, desired: count });
const positiveCount = check((value): value is number => count.is(value) && value > 0, (value) => `must be a positive integer, got ${describeValue(value)}`);
const memoryFields = {
  expectedCreates,
  expectedDeletes: array(expectedDelete),
  desiredPeaks: array(desiredSample),
  createWindow: positiveCount,
  createWindowUsed: boolean,
};

/** What the runtime remembers about one preset. */
export const memoryRule: Rule<PresetMemory> = object(memoryFields);

/** A memory row. */
export const memoryRowRule = object({ presetId: id, ...memoryFields });
