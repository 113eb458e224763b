import { describe, expect, it } from "vitest";
import { runMemorySoak } from "./memory-world.js";

// The short, seeded form of `npm run soak`, which runs thousands of steps and writes docs/reliability.md.
describe("soak: the Reconciler under chaos, in-memory world (issue 10 §4)", () => {
  it.each([1, 2, 3])("seed %i: no invariant is ever broken, and the pools converge once the faults stop", async (seed) => {
    const report = await runMemorySoak({ seed, steps: 150 });
    expect(report.violations).toEqual({ claimedDeleted: 0, actedWithoutLock: 0, overProvisioned: 0 });
    expect(report.converged).toBe(true);
    expect(Object.values(report.faults).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(20);
  }, 60_000);
});
