import { describe, it } from "vitest";
import { ManualClock, runStoreContract } from "../../../src/testing.js";
import { freshDatabase, insertPreset, insertWorkspaceWithBuild, storeOn } from "./harness.js";

runStoreContract(async (settings) => {
  const database = await freshDatabase();
  const clock = new ManualClock(settings.now);
  const store = storeOn(database.pool, { systemUserId: settings.systemUserId, clock, hardLimit: settings.hardLimit, backoffLookbackMs: settings.backoffLookbackMs });
  const system = settings.systemUserId;
  return {
    store,
    addPreset: (preset) => insertPreset(database.pool, preset),
    addPrebuild: async ({ id, presetId, createdAt, ready }) => {
      await insertWorkspaceWithBuild(database.pool, { id, presetId, ownerId: system, createdAt, ready, status: "succeeded" });
    },
    addCreateResult: async (presetId, status, at) => {
      await insertWorkspaceWithBuild(database.pool, { presetId, ownerId: system, createdAt: at, ready: status === "succeeded", status });
    },
    addPendingCreate: async (presetId, at) => {
      await insertWorkspaceWithBuild(database.pool, { presetId, ownerId: system, createdAt: at, ready: false, status: "pending" });
    },
    setPaused: async (pause) => {
      await database.pool.query("UPDATE prebuilds_settings SET reconciliation_paused = $1", [pause.global]);
      await database.pool.query("UPDATE presets SET reconciliation_paused = (id = ANY($1))", [pause.presetIds]);
    },
    close: () => database.drop(),
  };
}, { describe, it }, { buildTotals: true });
