import { describe, expect, it } from "vitest";
import { yTicks } from "../../src/cli/chart.js";

const series = (...values: number[]) => [{ name: "s", color: "#000", values }];

describe("yTicks", () => {
  it.each([
    [[0, 0], [0, 1]],
    [[0, 3], [0, 1, 2, 3]],
    [[5], [0, 1, 2, 3, 4, 5]],
    [[6], [0, 2, 4, 6]],
    [[7, 1], [0, 2, 4, 6, 8]],
    [[11], [0, 5, 10, 15]],
    [[30], [0, 10, 20, 30]],
    [[51], [0, 20, 40, 60]],
    [[240], [0, 50, 100, 150, 200, 250]],
  ])("for whole counts up to %j, whole steps of 1, 2 or 5 times a power of ten: %j", (values, ticks) => {
    expect(yTicks(series(...values))).toEqual(ticks);
  });

  it("looks at every series", () => {
    expect(yTicks([...series(1, 2), ...series(0, 9)])).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it("keeps five equal steps when a value is fractional", () => {
    expect(yTicks(series(0.5, 2))).toEqual([0, 0.4, 0.8, 1.2, 1.6, 2]);
  });
});
