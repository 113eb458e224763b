/** The decision rules' knobs (SPEC §2, §11, §12): defaults, and refusal of anything unknown or bad. */

import { PolicyValidationError, type ValidationIssue } from "./errors.js";
import type { BackoffPolicy, ReconcilePolicy } from "./types/index.js";
import { check, count, describeValue, isRecord, IssueList, type Rule } from "./validate/rules.js";

/**
 * The default of {@link ReconcilePolicy.backoffIntervalMs}: one minute per failed build.
 *
 * @example
 * planCycle(snapshot, clock, { backoffIntervalMs: 2 * DEFAULT_BACKOFF_INTERVAL_MS });
 */
export const DEFAULT_BACKOFF_INTERVAL_MS = 60_000;
/** The default of {@link ReconcilePolicy.maxExpressionTarget}: the Go system's safety ceiling. */
export const DEFAULT_MAX_EXPRESSION_TARGET = 100;
/** The default of {@link ReconcilePolicy.expectationTtlMs}: one minute. */
export const DEFAULT_EXPECTATION_TTL_MS = 60_000;
/** The default jitter of an exponential backoff: up to a fifth of the wait. */
export const DEFAULT_BACKOFF_JITTER = 0.2;

/** A policy with every default filled in. */
export interface ResolvedPolicy {
  readonly backoffIntervalMs: number;
  readonly maxCreatesPerCycle: number | null;
  readonly backoff: Required<BackoffPolicy> | { readonly kind: "linear" };
  readonly hardLimitRetryMs: number | null;
  readonly maxCreatesInFlight: number | null;
  readonly slowStart: boolean;
  readonly maxExpressionTarget: number;
  readonly scaleDownStabilizationMs: number;
  readonly expectationTtlMs: number;
}

const DEFAULTS: ResolvedPolicy = {
  backoffIntervalMs: DEFAULT_BACKOFF_INTERVAL_MS,
  maxCreatesPerCycle: null,
  backoff: { kind: "linear" },
  hardLimitRetryMs: null,
  maxCreatesInFlight: null,
  slowStart: false,
  maxExpressionTarget: DEFAULT_MAX_EXPRESSION_TARGET,
  scaleDownStabilizationMs: 0,
  expectationTtlMs: DEFAULT_EXPECTATION_TTL_MS,
};

const milliseconds = check(
  (value): value is number => typeof value === "number" && Number.isFinite(value) && value >= 0,
  (value) => `must be a finite number of milliseconds ≥ 0, got ${describeValue(value)}`,
);
const positiveMilliseconds = check(
  (value): value is number => typeof value === "number" && Number.isFinite(value) && value > 0,
  (value) => `must be a finite number of milliseconds > 0, got ${describeValue(value)}`,
);
const fraction = check(
  (value): value is number => typeof value === "number" && value >= 0 && value <= 1,
  (value) => `must be a number from 0 to 1, got ${describeValue(value)}`,
);
const flag = check((value): value is boolean => typeof value === "boolean", (value) => `must be a boolean, got ${describeValue(value)}`);

/** The rule of each setting; `undefined` always means "the default", and `null` too where a setting can be off. */
const SETTINGS: Readonly<Record<keyof ReconcilePolicy, { readonly rule: Rule<unknown>; readonly nullable: boolean }>> = {
  backoffIntervalMs: { rule: milliseconds, nullable: false },
  maxCreatesPerCycle: { rule: count, nullable: true },
  backoff: { rule: { is: (value): value is unknown => true, explain: () => {} }, nullable: false },
  hardLimitRetryMs: { rule: milliseconds, nullable: true },
  maxCreatesInFlight: { rule: count, nullable: true },
  slowStart: { rule: flag, nullable: false },
  maxExpressionTarget: { rule: count, nullable: false },
  scaleDownStabilizationMs: { rule: milliseconds, nullable: false },
  expectationTtlMs: { rule: milliseconds, nullable: false },
};
const SETTING_NAMES = Object.keys(SETTINGS);

/** Levenshtein distance, for "did you mean" on a mistyped setting. */
function distance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

function unknownSettingMessage(key: string): string {
  const closest = SETTING_NAMES.map((name) => ({ name, cost: distance(key.toLowerCase(), name.toLowerCase()) })).sort((left, right) => left.cost - right.cost)[0];
  const hint = closest !== undefined && closest.cost <= 3 ? `; did you mean ${closest.name}?` : "";
  return `is not a policy setting${hint} (the settings are ${SETTING_NAMES.join(", ")})`;
}

function resolveBackoff(value: unknown, issues: IssueList): ResolvedPolicy["backoff"] {
  if (value === undefined) return DEFAULTS.backoff;
  if (!isRecord(value) || Array.isArray(value)) {
    issues.add(["policy", "backoff"], `must be { kind: "linear" } or { kind: "exponential", capMs, jitter? }, got ${describeValue(value)}`);
    return DEFAULTS.backoff;
  }
  const kind = value["kind"];
  if (kind !== "linear" && kind !== "exponential") {
    // Which other keys belong depends on the kind: without a known one, the kind is the only problem.
    issues.add(["policy", "backoff", "kind"], `must be "linear" or "exponential", got ${JSON.stringify(kind) ?? "nothing"}`);
    return DEFAULTS.backoff;
  }
  const unknownKey = kind === "exponential" ? "is not a setting of an exponential backoff (its settings are kind, capMs, jitter)" : "is not a setting of a linear backoff (its only setting is kind)";
  const allowed = kind === "exponential" ? ["kind", "capMs", "jitter"] : ["kind"];
  for (const key of Object.keys(value)) if (!allowed.includes(key)) issues.add(["policy", "backoff", key], unknownKey);
  if (kind === "linear") return DEFAULTS.backoff;
  positiveMilliseconds.explain(value["capMs"], ["policy", "backoff", "capMs"], issues);
  const jitter = value["jitter"] === undefined ? DEFAULT_BACKOFF_JITTER : value["jitter"];
  fraction.explain(jitter, ["policy", "backoff", "jitter"], issues);
  return { kind: "exponential", capMs: value["capMs"] as number, jitter: jitter as number };
}

function collect(policy: unknown, issues: IssueList): ResolvedPolicy {
  if (policy === undefined) return DEFAULTS;
  if (!isRecord(policy) || Array.isArray(policy)) {
    issues.add(["policy"], `must be an object, got ${describeValue(policy)}`);
    return DEFAULTS;
  }
  for (const key of Object.keys(policy)) if (!Object.hasOwn(SETTINGS, key)) issues.add(["policy", key], unknownSettingMessage(key));
  const read = <K extends keyof ReconcilePolicy>(key: K): unknown => {
    const value = policy[key];
    const setting = SETTINGS[key];
    if (value === undefined || (value === null && setting.nullable)) return DEFAULTS[key];
    setting.rule.explain(value, ["policy", key], issues);
    return value;
  };
  return {
    backoffIntervalMs: read("backoffIntervalMs") as number,
    maxCreatesPerCycle: read("maxCreatesPerCycle") as number | null,
    backoff: resolveBackoff(policy["backoff"], issues),
    hardLimitRetryMs: read("hardLimitRetryMs") as number | null,
    maxCreatesInFlight: read("maxCreatesInFlight") as number | null,
    slowStart: read("slowStart") as boolean,
    maxExpressionTarget: read("maxExpressionTarget") as number,
    scaleDownStabilizationMs: read("scaleDownStabilizationMs") as number,
    expectationTtlMs: read("expectationTtlMs") as number,
  };
}

/** Fills in the policy's defaults; throws {@link PolicyValidationError} when it is invalid. */
export function resolvePolicy(policy: Partial<ReconcilePolicy> | undefined): ResolvedPolicy {
  const issues = new IssueList("policy");
  const resolved = collect(policy, issues);
  if (!issues.empty) throw new PolicyValidationError(issues.issues);
  return resolved;
}

/**
 * Every problem of a policy, without throwing: unknown settings (with a suggestion for a typo),
 * bad values, each with its path (`policy.backoff.capMs`).
 *
 * @example
 * validatePolicy({ maxCreatePerCycle: 5 });
 * // → [{ path: "policy.maxCreatePerCycle", message: "is not a policy setting; did you mean maxCreatesPerCycle? …" }]
 */
export function validatePolicy(policy: Partial<ReconcilePolicy>): ValidationIssue[] {
  const issues = new IssueList("policy");
  collect(policy, issues);
  return issues.issues;
}
