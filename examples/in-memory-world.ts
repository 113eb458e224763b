/**
 * What the in-memory world derives from its build history: builds waiting for capacity, backoff
 * after failed creates, the hard limit, and a provisioner outage. Produces the outputs shown in
 * docs/testing.md.
 *
 *   npx tsx examples/in-memory-world.ts
 */

import { Reconciler, type Notifier } from "../src/index.js";
import { InMemoryStore, ManualClock, SimulatedProvisioner, type MemoryPreset } from "../src/testing.js";

const MINUTE = 60_000;
const clock = new ManualClock(new Date("2026-06-01T08:00:00Z"));
const store = new InMemoryStore({ clock, systemUserId: "prebuilds", hardLimit: 3, backoffLookbackMs: 60 * MINUTE });
const provisioner = new SimulatedProvisioner({ store, clock, seed: 7, minLatencyMs: 2 * MINUTE, maxLatencyMs: 2 * MINUTE, capacity: 2 });

const preset: MemoryPreset = {
  id: "p1",
  name: "eu-dev",
  organizationId: "org",
  templateId: "tpl",
  templateVersionId: "tv-1",
  usingActiveVersion: true,
  templateDeleted: false,
  templateDeprecated: false,
  desiredInstances: 3,
  parameters: { region: "eu" },
};
store.upsertPreset(preset);

const notifier: Notifier = {
  hardLimitReached: async (limited) => console.log(`  notifier.hardLimitReached(${limited.id})`),
  resourcesReplaced: async () => {},
};
const reconciler = new Reconciler({ store, provisioner, clock, notifier, systemUserId: "prebuilds", policy: { backoffIntervalMs: MINUTE } });

/** Moves time, lets builds progress, runs a cycle, and prints what the store derived. */
async function step(label: string, minutes: number): Promise<void> {
  clock.advance(minutes * MINUTE);
  provisioner.advance();
  console.log(`${clock.now().toISOString().slice(11, 16)}Z ${label}`);
  const stats = await reconciler.reconcileOnce();
  const snapshot = await store.loadSnapshot();
  const statuses = store.listBuilds().map((build) => `${build.transition}:${build.status}`);
  console.log(`  builds: ${statuses.join(" ")}`);
  console.log(`  running ${snapshot.running.length}, inProgress ${JSON.stringify(snapshot.inProgress.map((row) => `${row.transition}×${row.count}`))}`);
  console.log(`  backoffs ${JSON.stringify(snapshot.backoffs.map((row) => ({ failedBuilds: row.failedBuilds, lastBuildAt: row.lastBuildAt.toISOString().slice(11, 16) })))}`);
  console.log(`  hardLimitedPresetIds ${JSON.stringify(snapshot.hardLimitedPresetIds)}, recorded status ${store.presetStatus("p1")}`);
  console.log(`  cycle: actions ${JSON.stringify(stats.actions)}, failures ${JSON.stringify(stats.failures.map((failure) => failure.operation))}`);
}

await step("first cycle: 3 creates queued, capacity 2, so one waits unstarted", 0);
await step("two builds done, the third started", 2);
await step("all three running", 2);

console.log("\nEvery create fails from now on; two prebuilds are deleted to make room for new ones.");
provisioner.failureRate = 1;
store.updatePreset("p1", (current) => ({ ...current, desiredInstances: 1 }));
await step("surplus deleted", 0);
store.updatePreset("p1", (current) => ({ ...current, desiredInstances: 3 }));
await step("deletes done, two creates queued", 2);
await step("both creates failed: backoff", 2);
await step("backoff over (08:06 + 2 failures × 1 min = 08:08): two more creates", 1);
await step("the last 3 creates all failed: hard-limited", 2);
await step("nothing more is created", 10);

console.log("\nThe provisioner is unreachable: every call rejects.");
store.updatePreset("p1", (current) => ({ ...current, desiredInstances: 0 }));
provisioner.outage = new Error("connection refused");
await step("the surplus delete fails and is reported", 0);
