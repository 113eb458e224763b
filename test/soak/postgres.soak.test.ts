import { describe, expect, it } from "vitest";
import { databaseUrl } from "../adapters/postgres/harness.js";
import { runPostgresSoak } from "./postgres-world.js";

// The short, seeded form of the PostgreSQL part of `npm run soak`.
describe("soak: two replicas on real PostgreSQL, with backends killed under them (issue 10 §4)", () => {
  it("never over-provisions nor deletes a claimed workspace, and converges once the faults stop", async () => {
    const report = await runPostgresSoak({ url: databaseUrl(), seed: 7, rounds: 40 });
    expect(report.violations).toEqual({ overProvisioned: 0, claimedDeleted: 0 });
    expect(report.converged).toBe(true);
    expect(report.faults.killLockHolder + report.faults.killRandomBackend).toBeGreaterThan(0);
  }, 120_000);
});
