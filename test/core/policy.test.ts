import { describe, expect, it } from "vitest";
import {
  calculateActions,
  DEFAULT_BACKOFF_INTERVAL_MS,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_EXPECTATION_TTL_MS,
  DEFAULT_MAX_EXPRESSION_TARGET,
  planCycle,
  PolicyValidationError,
  type ReconcilePolicy,
  validatePolicy,
} from "../../src/index.js";
import { resolvePolicy } from "../../src/core/policy.js";
import { clockAt, emptyGlobal, makeSnapshot, NOW, thrownError } from "../fixtures.js";

/** A policy as a host might hand it over from untyped configuration. */
function loose(value: unknown): Partial<ReconcilePolicy> {
  return value as Partial<ReconcilePolicy>;
}

const SETTINGS_LIST =
  "backoffIntervalMs, maxCreatesPerCycle, backoff, hardLimitRetryMs, maxCreatesInFlight, slowStart, maxExpressionTarget, scaleDownStabilizationMs, expectationTtlMs";

describe("policy — defaults", () => {
  const defaults = {
    backoffIntervalMs: 60_000,
    maxCreatesPerCycle: null,
    backoff: { kind: "linear" },
    hardLimitRetryMs: null,
    maxCreatesInFlight: null,
    slowStart: false,
    maxExpressionTarget: 100,
    scaleDownStabilizationMs: 0,
    expectationTtlMs: 60_000,
  };

  it("exports the documented default values", () => {
    expect(DEFAULT_BACKOFF_INTERVAL_MS).toBe(60_000);
    expect(DEFAULT_EXPECTATION_TTL_MS).toBe(60_000);
    expect(DEFAULT_MAX_EXPRESSION_TARGET).toBe(100);
    expect(DEFAULT_BACKOFF_JITTER).toBe(0.2);
  });

  it("fills in every setting when the policy is absent or empty", () => {
    expect(resolvePolicy(undefined)).toEqual(defaults);
    expect(resolvePolicy({})).toEqual(defaults);
  });

  it("treats an undefined setting as its default", () => {
    expect(resolvePolicy(loose({ backoffIntervalMs: undefined, slowStart: undefined, backoff: undefined }))).toEqual(defaults);
  });

  it("treats null as 'off' for the settings that can be off", () => {
    expect(resolvePolicy(loose({ maxCreatesPerCycle: null, hardLimitRetryMs: null, maxCreatesInFlight: null }))).toEqual(defaults);
    expect(validatePolicy(loose({ maxCreatesPerCycle: null, hardLimitRetryMs: null, maxCreatesInFlight: null }))).toEqual([]);
  });

  it("fills in the jitter of an exponential backoff", () => {
    expect(resolvePolicy({ backoff: { kind: "exponential", capMs: 600_000 } }).backoff).toEqual({ kind: "exponential", capMs: 600_000, jitter: 0.2 });
    expect(resolvePolicy({ backoff: { kind: "exponential", capMs: 600_000, jitter: 0 } }).backoff).toEqual({ kind: "exponential", capMs: 600_000, jitter: 0 });
  });

  it("keeps every valid value as given", () => {
    const policy = {
      backoffIntervalMs: 0,
      maxCreatesPerCycle: 0,
      backoff: { kind: "exponential", capMs: 1, jitter: 1 },
      hardLimitRetryMs: 0,
      maxCreatesInFlight: 0,
      slowStart: true,
      maxExpressionTarget: 0,
      scaleDownStabilizationMs: 0,
      expectationTtlMs: 0,
    } as const;
    expect(validatePolicy(policy)).toEqual([]);
    expect(resolvePolicy(policy)).toEqual(policy);
  });

  it("behaves as the linear Go rule without any policy: one interval per failed build", () => {
    const snapshot = makeSnapshot({ backoff: { failedBuilds: 3, lastBuildAt: NOW } });
    const [action] = calculateActions(snapshot, clockAt(NOW));
    expect(action?.type === "backoff" ? action.until : null).toEqual(new Date(NOW.getTime() + 180_000));
  });
});

describe("policy — bad values", () => {
  const cases: readonly [string, unknown, string][] = [
    ["backoffIntervalMs", -1, "must be a finite number of milliseconds ≥ 0, got -1"],
    ["backoffIntervalMs", Number.NaN, "must be a finite number of milliseconds ≥ 0, got NaN"],
    ["backoffIntervalMs", Number.POSITIVE_INFINITY, "must be a finite number of milliseconds ≥ 0, got Infinity"],
    ["backoffIntervalMs", "60000", 'must be a finite number of milliseconds ≥ 0, got "60000"'],
    ["backoffIntervalMs", null, "must be a finite number of milliseconds ≥ 0, got null"],
    ["maxCreatesPerCycle", -1, "must be a non-negative integer, got -1"],
    ["maxCreatesPerCycle", 1.5, "must be a non-negative integer, got 1.5"],
    ["maxCreatesPerCycle", "5", 'must be a non-negative integer, got "5"'],
    ["maxCreatesPerCycle", true, "must be a non-negative integer, got a boolean"],
    ["hardLimitRetryMs", -5, "must be a finite number of milliseconds ≥ 0, got -5"],
    ["hardLimitRetryMs", Number.NaN, "must be a finite number of milliseconds ≥ 0, got NaN"],
    ["hardLimitRetryMs", "1h", 'must be a finite number of milliseconds ≥ 0, got "1h"'],
    ["maxCreatesInFlight", -1, "must be a non-negative integer, got -1"],
    ["maxCreatesInFlight", 2.5, "must be a non-negative integer, got 2.5"],
    ["maxCreatesInFlight", Number.POSITIVE_INFINITY, "must be a non-negative integer, got Infinity"],
    ["slowStart", 1, "must be a boolean, got 1"],
    ["slowStart", "true", 'must be a boolean, got "true"'],
    ["slowStart", null, "must be a boolean, got null"],
    ["maxExpressionTarget", -1, "must be a non-negative integer, got -1"],
    ["maxExpressionTarget", 1.5, "must be a non-negative integer, got 1.5"],
    ["maxExpressionTarget", null, "must be a non-negative integer, got null"],
    ["scaleDownStabilizationMs", -1, "must be a finite number of milliseconds ≥ 0, got -1"],
    ["scaleDownStabilizationMs", Number.POSITIVE_INFINITY, "must be a finite number of milliseconds ≥ 0, got Infinity"],
    ["scaleDownStabilizationMs", null, "must be a finite number of milliseconds ≥ 0, got null"],
    ["expectationTtlMs", -1, "must be a finite number of milliseconds ≥ 0, got -1"],
    ["expectationTtlMs", Number.NaN, "must be a finite number of milliseconds ≥ 0, got NaN"],
    ["expectationTtlMs", null, "must be a finite number of milliseconds ≥ 0, got null"],
    ["backoff", null, 'must be { kind: "linear" } or { kind: "exponential", capMs, jitter? }, got null'],
    ["backoff", "exponential", 'must be { kind: "linear" } or { kind: "exponential", capMs, jitter? }, got "exponential"'],
    ["backoff", [], 'must be { kind: "linear" } or { kind: "exponential", capMs, jitter? }, got an array'],
  ];

  it.each(cases)("%s = %s: one issue naming the setting", (setting, value, message) => {
    expect(validatePolicy(loose({ [setting]: value }))).toEqual([{ path: `policy.${setting}`, message }]);
  });

  it("reports every bad setting at once, in the order of the settings", () => {
    expect(validatePolicy(loose({ expectationTtlMs: -1, slowStart: "yes", backoffIntervalMs: -1 }))).toEqual([
      { path: "policy.backoffIntervalMs", message: "must be a finite number of milliseconds ≥ 0, got -1" },
      { path: "policy.slowStart", message: 'must be a boolean, got "yes"' },
      { path: "policy.expectationTtlMs", message: "must be a finite number of milliseconds ≥ 0, got -1" },
    ]);
  });

  it("refuses a policy that is not an object", () => {
    expect(validatePolicy(loose(null))).toEqual([{ path: "policy", message: "must be an object, got null" }]);
    expect(validatePolicy(loose([]))).toEqual([{ path: "policy", message: "must be an object, got an array" }]);
    expect(validatePolicy(loose(5))).toEqual([{ path: "policy", message: "must be an object, got 5" }]);
  });
});

describe("policy — unknown settings", () => {
  it("refuses a typo and suggests the setting meant", () => {
    expect(validatePolicy(loose({ maxCreatePerCycle: 5 }))).toEqual([
      { path: "policy.maxCreatePerCycle", message: `is not a policy setting; did you mean maxCreatesPerCycle? (the settings are ${SETTINGS_LIST})` },
    ]);
  });

  it("suggests across a difference of case and up to three edits", () => {
    const suggestion = (key: string) => validatePolicy(loose({ [key]: 1 }))[0]?.message.match(/did you mean (\w+)\?/)?.[1] ?? null;
    expect(suggestion("MaxCreatesInFlight")).toBe("maxCreatesInFlight");
    expect(suggestion("slowstart")).toBe("slowStart");
    expect(suggestion("hardLimitRetry")).toBe("hardLimitRetryMs");
    expect(suggestion("backofIntervalMs")).toBe("backoffIntervalMs");
    expect(suggestion("expectationTtl")).toBe("expectationTtlMs");
    expect(suggestion("timeout")).toBeNull();
  });

  it("lists the settings without a suggestion when nothing is close", () => {
    expect(validatePolicy(loose({ retries: 3 }))).toEqual([{ path: "policy.retries", message: `is not a policy setting (the settings are ${SETTINGS_LIST})` }]);
  });

  it("reports the unknown settings before the bad values", () => {
    expect(validatePolicy(loose({ backoffIntervalMs: -1, maxCreatePerCycle: 5 })).map((issue) => issue.path)).toEqual([
      "policy.maxCreatePerCycle",
      "policy.backoffIntervalMs",
    ]);
  });
});

describe("policy — the backoff shape", () => {
  it("accepts linear and exponential backoffs", () => {
    expect(validatePolicy({ backoff: { kind: "linear" } })).toEqual([]);
    expect(validatePolicy({ backoff: { kind: "exponential", capMs: 600_000 } })).toEqual([]);
    expect(validatePolicy({ backoff: { kind: "exponential", capMs: 0.5, jitter: 0.5 } })).toEqual([]);
  });

  it.each([
    [undefined, "must be a finite number of milliseconds > 0, got missing"],
    [0, "must be a finite number of milliseconds > 0, got 0"],
    [-1, "must be a finite number of milliseconds > 0, got -1"],
    [Number.POSITIVE_INFINITY, "must be a finite number of milliseconds > 0, got Infinity"],
    [Number.NaN, "must be a finite number of milliseconds > 0, got NaN"],
    ["10m", 'must be a finite number of milliseconds > 0, got "10m"'],
  ])("an exponential capMs of %s is refused", (capMs, message) => {
    expect(validatePolicy(loose({ backoff: { kind: "exponential", capMs } }))).toEqual([{ path: "policy.backoff.capMs", message }]);
  });

  it.each([
    [-0.1, "must be a number from 0 to 1, got -0.1"],
    [1.5, "must be a number from 0 to 1, got 1.5"],
    [Number.NaN, "must be a number from 0 to 1, got NaN"],
    ["0.2", 'must be a number from 0 to 1, got "0.2"'],
    [null, "must be a number from 0 to 1, got null"],
  ])("an exponential jitter of %s is refused", (jitter, message) => {
    expect(validatePolicy(loose({ backoff: { kind: "exponential", capMs: 1000, jitter } }))).toEqual([{ path: "policy.backoff.jitter", message }]);
  });

  it("refuses an unknown kind, or none", () => {
    expect(validatePolicy(loose({ backoff: { kind: "fibonacci" } }))).toEqual([
      { path: "policy.backoff.kind", message: 'must be "linear" or "exponential", got "fibonacci"' },
    ]);
    expect(validatePolicy(loose({ backoff: {} }))).toEqual([{ path: "policy.backoff.kind", message: 'must be "linear" or "exponential", got nothing' }]);
  });

  it("refuses the sub-keys a kind does not have", () => {
    expect(validatePolicy(loose({ backoff: { kind: "linear", capMs: 1000 } }))).toEqual([
      { path: "policy.backoff.capMs", message: "is not a setting of a linear backoff (its only setting is kind)" },
    ]);
    expect(validatePolicy(loose({ backoff: { kind: "exponential", capMs: 1000, base: 2 } }))).toEqual([
      { path: "policy.backoff.base", message: "is not a setting of an exponential backoff (its settings are kind, capMs, jitter)" },
    ]);
  });

  it("does not blame the sub-keys of a backoff whose kind is unknown", () => {
    // Which sub-keys are allowed depends on the kind; without one, the kind is the only problem.
    expect(validatePolicy(loose({ backoff: { capMs: 1000, jitter: 0.1 } }))).toEqual([
      { path: "policy.backoff.kind", message: 'must be "linear" or "exponential", got nothing' },
    ]);
  });

  it("reports an unknown sub-key and bad values together", () => {
    expect(validatePolicy(loose({ backoff: { kind: "exponential", jitter: 2, foo: 1 } }))).toEqual([
      { path: "policy.backoff.foo", message: "is not a setting of an exponential backoff (its settings are kind, capMs, jitter)" },
      { path: "policy.backoff.capMs", message: "must be a finite number of milliseconds > 0, got missing" },
      { path: "policy.backoff.jitter", message: "must be a number from 0 to 1, got 2" },
    ]);
  });
});

describe("policy — validatePolicy and the throwing entry points agree", () => {
  const bad = loose({ maxCreatePerCycle: 5, backoffIntervalMs: -1, backoff: { kind: "exponential", capMs: 0 }, slowStart: "on" });

  it("validatePolicy returns the issues without throwing", () => {
    expect(validatePolicy(bad)).toEqual([
      { path: "policy.maxCreatePerCycle", message: `is not a policy setting; did you mean maxCreatesPerCycle? (the settings are ${SETTINGS_LIST})` },
      { path: "policy.backoffIntervalMs", message: "must be a finite number of milliseconds ≥ 0, got -1" },
      { path: "policy.backoff.capMs", message: "must be a finite number of milliseconds > 0, got 0" },
      { path: "policy.slowStart", message: 'must be a boolean, got "on"' },
    ]);
  });

  it("planCycle and calculateActions throw a PolicyValidationError with exactly those issues", () => {
    for (const run of [() => planCycle(emptyGlobal(), clockAt(NOW), bad), () => calculateActions(makeSnapshot(), clockAt(NOW), bad)]) {
      const error = thrownError(run);
      expect(error).toBeInstanceOf(PolicyValidationError);
      expect((error as PolicyValidationError).code).toBe("POLICY_INVALID");
      expect((error as PolicyValidationError).issues).toEqual(validatePolicy(bad));
    }
  });

  it("names the first issues in the error message", () => {
    const error = thrownError(() => planCycle(emptyGlobal(), clockAt(NOW), loose({ maxCreatePerCycle: 5 })));
    expect(error.message).toBe(
      `invalid reconcile policy: policy.maxCreatePerCycle: is not a policy setting; did you mean maxCreatesPerCycle? (the settings are ${SETTINGS_LIST})`,
    );
  });
});
