import { describe, expect, it } from "vitest";
import { calculateActions, calculateState, nextChangeAt, planCycle, validatePreset, type ClaimEvent, type PresetSnapshot } from "../../src/index.js";
import { clockAt, emptyGlobal, makePrebuild, makePreset, makeSnapshot, NOW } from "../fixtures.js";

const MINUTE = 60_000;
const clock = clockAt(NOW);
const at = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow);
const claimed = (msBeforeNow: number): ClaimEvent => ({ presetId: "preset-a", at: at(msBeforeNow), outcome: "claimed" });
const missed = (msBeforeNow: number): ClaimEvent => ({ presetId: "preset-a", at: at(msBeforeNow), outcome: "missed" });

function withExpression(expression: string, overrides: Partial<PresetSnapshot> = {}, presetOverrides: Parameters<typeof makePreset>[0] = {}): PresetSnapshot {
  return makeSnapshot({ preset: makePreset({ desiredInstances: 2, desiredInstancesExpression: expression, ...presetOverrides }), ...overrides });
}

const desiredOf = (snapshot: PresetSnapshot, policy = {}) => calculateState(snapshot, clock, policy).desired;

describe("target expressions — demand windows (SPEC §11)", () => {
  it.each([
    ["claims_5m", 1],
    ["claims_10m", 2],
    ["claims_30m", 3],
    ["claims_60m", 4],
    ["claims_120m", 5],
  ] as const)("%s counts the claims with at > now − W", (input, expected) => {
    // Just inside each window, and exactly on the edge of the next (which is outside).
    const events = [claimed(5 * MINUTE - 1), claimed(5 * MINUTE), claimed(10 * MINUTE), claimed(30 * MINUTE), claimed(60 * MINUTE), claimed(120 * MINUTE)];
    expect(desiredOf(withExpression(input, { claimEvents: events }))).toBe(expected);
  });

  it("counts misses apart from claims, and an event a few seconds in the future", () => {
    const events = [missed(MINUTE), missed(-5_000), claimed(MINUTE)];
    expect(desiredOf(withExpression("misses_5m * 10 + claims_5m", { claimEvents: events }))).toBe(21);
  });

  it("gives claim rates per minute", () => {
    const events = Array.from({ length: 30 }, (_, index) => claimed(index * MINUTE));
    // 30 claims in the last 30 minutes: one a minute; ceil(1 × 10) = 10.
    expect(desiredOf(withExpression("max(scheduled_target, ceil(claim_rate_30m * 10))", { claimEvents: events }))).toBe(10);
    expect(desiredOf(withExpression("claim_rate_120m * 4", { claimEvents: events }))).toBe(1);
  });

  it("reads the pool's own figures", () => {
    const snapshot = withExpression("running * 1000 + eligible * 100 + starting * 10 + expired", {
      preset: makePreset({ desiredInstancesExpression: "running * 1000 + eligible * 100 + starting * 10 + expired", ttlSeconds: 3600 }),
      running: [makePrebuild("ready", at(MINUTE).toISOString()), makePrebuild("booting", at(MINUTE).toISOString(), false), makePrebuild("old", at(2 * 3_600_000).toISOString())],
      inProgress: { start: 3, stop: 0, delete: 0 },
    });
    expect(desiredOf(snapshot, { maxExpressionTarget: 10_000 })).toBe(2 * 1000 + 100 + 30 + 1);
  });
});

describe("target expressions — the clock (SPEC §11)", () => {
  it("reads hour and weekday in the scheduling zone, and in UTC without one", () => {
    // 2025-06-02T10:00Z is a Monday: 12:00 in Berlin, 10:00 in UTC.
    const policy = { maxExpressionTarget: 1_000 };
    expect(desiredOf(withExpression("hour * 10 + weekday"), policy)).toBe(101);
    expect(desiredOf(withExpression("hour * 10 + weekday", {}, { scheduling: { timezone: "Europe/Berlin", schedules: [] } }), policy)).toBe(121);
  });

  it("follows the zone across a DST change", () => {
    const expression = "hour";
    const berlin = withExpression(expression, {}, { scheduling: { timezone: "Europe/Berlin", schedules: [] } });
    // 2025-03-30 is the spring-forward Sunday in Berlin: 00:59Z is 01:59 CET, 01:00Z is 03:00 CEST.
    expect(calculateState(berlin, clockAt("2025-03-30T00:59:59Z")).desired).toBe(1);
    expect(calculateState(berlin, clockAt("2025-03-30T01:00:00Z")).desired).toBe(3);
  });

  it("wakes at the next hour when the expression reads the hour", () => {
    expect(nextChangeAt(withExpression("hour >= 9 && hour < 17 ? 3 : 0"), clockAt("2025-06-02T10:20:00Z"))).toEqual(new Date("2025-06-02T11:00:00Z"));
  });

  it("wakes at the zone's next wall-clock hour, with the offset of the minute asked for", () => {
    const india = withExpression("hour", {}, { scheduling: { timezone: "Asia/Kolkata", schedules: [] } });
    // 10:20Z is 15:50 in UTC+05:30: the next wall hour, 16:00, is 10:30Z. Asked again in the same
    // minute (the zone's minute is remembered), the answer is the same.
    expect(nextChangeAt(india, clockAt("2025-06-02T10:20:00Z"))).toEqual(new Date("2025-06-02T10:30:00Z"));
    expect(calculateState(india, clockAt("2025-06-02T10:20:30Z")).desired).toBe(15);
    expect(nextChangeAt(india, clockAt("2025-06-02T10:20:59Z"))).toEqual(new Date("2025-06-02T10:30:00Z"));
    const berlin = withExpression("hour", {}, { scheduling: { timezone: "Europe/Berlin", schedules: [] } });
    // Either side of the spring-forward change: 00:30Z is 01:30 CET (next hour 02:00 CET does not
    // exist, the clock jumps to 03:00 CEST at 01:00Z); 01:30Z is 03:30 CEST (next hour 04:00 CEST = 02:00Z).
    expect(nextChangeAt(berlin, clockAt("2025-03-30T00:30:00Z"))).toEqual(new Date("2025-03-30T01:00:00Z"));
    expect(nextChangeAt(berlin, clockAt("2025-03-30T01:30:00Z"))).toEqual(new Date("2025-03-30T02:00:00Z"));
  });
});

describe("target expressions — results (SPEC §11)", () => {
  it("uses a whole result as the desired count and says so", () => {
    const snapshot = withExpression("misses_10m > 0 ? eligible + misses_10m : scheduled_target", { claimEvents: [missed(MINUTE), missed(2 * MINUTE)] });
    const state = calculateState(snapshot, clock);
    expect(state).toMatchObject({ desired: 2, scheduledTarget: 2, targetSource: "expression", expressionError: null });
    expect(calculateActions(snapshot, clock)).toEqual([
      { type: "create", count: 2, reason: "desired 2 (expression `misses_10m > 0 ? eligible + misses_10m : scheduled_target`), 0 running, 0 starting: create 2" },
    ]);
  });

  it("accepts 2.0 as a whole number", () => {
    expect(desiredOf(withExpression("5 / 2.5"))).toBe(2);
  });

  it.each([
    ["0 - 3", 0],
    ["1000", 100],
  ])("clamps %s to [0, maxExpressionTarget]", (expression, expected) => {
    expect(desiredOf(withExpression(expression))).toBe(expected);
  });

  it("clamps to the policy's ceiling", () => {
    expect(desiredOf(withExpression("50"), { maxExpressionTarget: 7 })).toBe(7);
  });

  it.each([
    ["5 / 2", "not a whole number"],
    ["1 / 0", "Infinity"],
    ["claims_5m % 0 + 1", "by zero"],
  ])("falls back to the scheduled target when %s fails at evaluation, and says why", (expression, fragment) => {
    const snapshot = withExpression(expression, {}, { desiredInstances: 3 });
    const state = calculateState(snapshot, clock);
    expect(state).toMatchObject({ desired: 3, scheduledTarget: 3, targetSource: "expressionFallback" });
    expect(state.expressionError).toContain(fragment);
    const [create] = calculateActions(snapshot, clock);
    expect(create?.reason).toBe(`desired 3 (base count, because the expression failed: ${state.expressionError ?? ""}), 0 running, 0 starting: create 3`);
  });

  it("falls back when the expression does not compile, and validatePreset names it", () => {
    const preset = makePreset({ desiredInstances: 1, desiredInstancesExpression: "max(claims_5m, unknown_input)" });
    const state = calculateState(makeSnapshot({ preset }), clock);
    expect(state).toMatchObject({ desired: 1, targetSource: "expressionFallback" });
    expect(state.expressionError).toContain("unknown_input");
    const issues = validatePreset(preset);
    expect(issues.map((issue) => issue.path)).toEqual(["desiredInstancesExpression"]);
    expect(issues[0]?.message).toMatch(/^invalid target expression: .*unknown_input/);
  });

  it("an inactive preset wants 0 whatever its expression says", () => {
    expect(desiredOf(withExpression("50", {}, { templateDeprecated: true }))).toBe(0);
  });

  it("a preset without an expression reports its scheduled source", () => {
    expect(calculateState(makeSnapshot(), clock)).toMatchObject({ targetSource: "scheduled", expressionError: null, scheduledTarget: 2 });
  });
});

describe("target expressions — the next change (SPEC §11)", () => {
  it("is the instant the next event leaves a window, for expressions that read demand", () => {
    const snapshot = withExpression("claims_10m", { claimEvents: [claimed(7 * MINUTE), claimed(2 * MINUTE)] });
    // The older event leaves the 10-minute window 3 minutes from now.
    expect(nextChangeAt(snapshot, clock)).toEqual(new Date(NOW.getTime() + 3 * MINUTE));
  });

  it("ignores events for expressions that do not read demand", () => {
    expect(nextChangeAt(withExpression("scheduled_target + 1", { claimEvents: [claimed(MINUTE)] }), clock)).toBeNull();
  });
});

describe("planCycle — claim events (SPEC §11)", () => {
  it("groups events by preset and reports one naming an unknown preset, or with a bad outcome", () => {
    const plan = planCycle(
      emptyGlobal({
        presets: [makePreset({ id: "a", desiredInstancesExpression: "claims_60m" }), makePreset({ id: "b" })],
        claimEvents: [
          { presetId: "a", at: at(MINUTE), outcome: "claimed" },
          { presetId: "a", at: at(2 * MINUTE), outcome: "claimed" },
          { presetId: "ghost", at: at(MINUTE), outcome: "claimed" },
          { presetId: "b", at: at(MINUTE), outcome: "lost" as "claimed" },
        ],
      }),
      clock,
    );
    expect(plan.presets.map((entry) => [entry.presetId, entry.state.desired])).toEqual([["a", 2]]);
    expect(plan.invalid.map((entry) => [entry.presetId, entry.error.issues])).toEqual([
      ["b", [{ path: "claimEvents[3].outcome", message: 'must be "claimed" or "missed", got "lost"' }]],
      ["ghost", [{ path: "claimEvents[2].presetId", message: 'names preset "ghost", which is not in presets' }]],
    ]);
  });
});
