import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareIds, sortedCopy } from "../../src/core/ordering.js";

describe("sortedCopy", () => {
  it("sorts short lists by insertion and long ones natively, with the same result as Array.prototype.sort", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 40 }), (keys) => {
        // Pairs with equal keys keep their input order: the index shows whether the sort is stable.
        const items = keys.map((key, index) => ({ key, index }));
        const byKey = (left: { key: number }, right: { key: number }) => left.key - right.key;
        expect(sortedCopy(items, byKey)).toEqual([...items].sort(byKey));
      }),
      { numRuns: 500 },
    );
  });

  it("returns a fresh array and leaves its input as it was", () => {
    const input = ["c", "a", "b"];
    const sorted = sortedCopy(input, compareIds);
    expect(sorted).toEqual(["a", "b", "c"]);
    expect(input).toEqual(["c", "a", "b"]);
    expect(sortedCopy([], compareIds)).toEqual([]);
  });
});
