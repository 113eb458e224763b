import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { boolean, check, compiledIs, count, date, id, loopIs, type Rule } from "../../src/core/validate/rules.js";

// The object rules' `is` is compiled into code of its own (rules.ts); the loop is what runs where
// code cannot be compiled. Both must accept exactly the same values.
const keys = ["id", "presetId", "createdAt", "ready", "count"];
const rules = [id, id, date, boolean, count] as readonly Rule<unknown>[];
const refinements = [check((value): value is unknown => (value as { count: number }).count < 5, () => "count must be below 5")] as readonly Rule<unknown>[];

const field = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -2, max: 7 }), fc.boolean(), fc.date({ noInvalidDate: false }), fc.constant(null), fc.constant(undefined), fc.double());
const row = fc.record({ id: field, presetId: field, createdAt: field, ready: field, count: field }, { requiredKeys: [] });

describe("compiled object guards", () => {
  const compiled = compiledIs(keys, rules, refinements);
  const loop = loopIs(keys, rules, refinements);

  it("accept and refuse exactly what the loop does", () => {
    fc.assert(
      fc.property(fc.oneof(row, fc.anything()), (value) => {
        expect(compiled(value)).toBe(loop(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it("accept a valid row and refuse each kind of bad one", () => {
    const valid = { id: "a", presetId: "p", createdAt: new Date(0), ready: true, count: 2 };
    expect([compiled(valid), loop(valid)]).toEqual([true, true]);
    for (const bad of [{ ...valid, id: "" }, { ...valid, createdAt: new Date(Number.NaN) }, { ...valid, count: 5 }, { ...valid, count: 1.5 }, [valid], null]) {
      expect([compiled(bad), loop(bad)]).toEqual([false, false]);
    }
  });

  it("fall back to the loop for keys that are not identifiers", () => {
    const odd = compiledIs(["not an identifier"], [id], []);
    expect(odd({ "not an identifier": "x" })).toBe(true);
    expect(odd({ "not an identifier": 3 })).toBe(false);
  });
});
