import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planCycle, validatePreset, validatePresetSnapshot, type Preset, type RunningPrebuild } from "../../src/index.js";
import { _isValidPreset } from "../../src/core/validate.js";

// planCycle takes a fast path for input that passes an allocation-free check, and the detailed,
// path-naming checks only otherwise. These properties keep the two in lockstep.

const base: Preset = {
  id: "p",
  name: "n",
  organizationId: "o",
  templateId: "t",
  templateVersionId: "v",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
  desiredInstances: 1,
  ttlSeconds: 60,
  lastInvalidatedAt: null,
  scheduling: { timezone: "Europe/Berlin", schedules: [{ cron: "* 9-17 * * 1-5", instances: 2 }] },
};

const oddValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(""),
  fc.constant("x"),
  fc.constant(-1),
  fc.constant(1.5),
  fc.constant(Number.NaN),
  fc.constant(0),
  fc.constant(3),
  fc.constant(true),
  fc.constant(new Date(Number.NaN)),
  fc.constant(new Date("2025-06-01T00:00:00Z")),
  fc.constant("Europe/Berlin"),
  fc.constant("europe/berlin"),
  fc.constant("@daily"),
  fc.constant("* * * * *"),
  fc.constant([]),
  fc.constant({}),
);

const presetKeys = Object.keys(base) as (keyof Preset)[];
const schedulingVariants = fc.oneof(
  fc.record({ timezone: oddValue, schedules: fc.oneof(oddValue, fc.array(fc.record({ cron: oddValue, instances: oddValue }), { maxLength: 2 })) }),
  oddValue,
);

const corruptedPreset = fc
  .tuple(fc.subarray(presetKeys, { maxLength: 3 }), fc.array(oddValue, { minLength: 3, maxLength: 3 }), fc.option(schedulingVariants))
  .map(([keys, values, scheduling]) => {
    const preset: Record<string, unknown> = { ...base };
    keys.forEach((key, index) => {
      preset[key] = values[index];
    });
    if (scheduling !== null) preset["scheduling"] = scheduling;
    return preset as unknown as Preset;
  });

describe("validation fast path", () => {
  it("accepts a preset exactly when validatePreset finds no issue", () => {
    fc.assert(
      fc.property(corruptedPreset, (preset) => {
        expect(_isValidPreset(preset)).toBe(validatePreset(preset).length === 0);
      }),
      { numRuns: 3000 },
    );
  });

  it("plans a preset exactly when its rows pass validatePresetSnapshot", () => {
    // Rows naming no usable preset are reported under their own path (a unit test pins that), so
    // every row here names the one preset.
    const row = fc.record({ id: oddValue, presetId: fc.constant("p"), createdAt: oddValue, ready: oddValue });
    const valid = fc.record({ id: fc.constantFrom("a", "b", "c"), presetId: fc.constant("p"), createdAt: fc.constant(new Date("2025-06-01T00:00:00Z")), ready: fc.boolean() });
    fc.assert(
      fc.property(fc.array(fc.oneof(valid, row), { maxLength: 5 }), (rows) => {
        const running = rows as unknown as RunningPrebuild[];
        const plan = planCycle(
          { presets: [base], running, inProgress: [], pendingNonActive: [], backoffs: [], hardLimitedPresetIds: [] },
          { now: () => new Date("2025-06-02T10:00:00Z") },
        );
        const issues = validatePresetSnapshot({ preset: base, running, inProgress: { start: 0, stop: 0, delete: 0 }, pendingNonActive: 0, backoff: null, hardLimited: false });
        expect(plan.presets.length === 1).toBe(issues.length === 0);
      }),
      { numRuns: 3000 },
    );
  });
});
