import { describe, it } from "vitest";
import { InMemoryStore, ManualClock, runStoreContract, type StoreContractSubject } from "../../src/testing.js";

runStoreContract(async (settings): Promise<StoreContractSubject> => {
  const clock = new ManualClock(settings.now);
  const store = new InMemoryStore({ clock, systemUserId: settings.systemUserId, hardLimit: settings.hardLimit, backoffLookbackMs: settings.backoffLookbackMs });
  let sequence = 0;
  const workspace = (presetId: string, createdAt: Date, ready: boolean, id = `generated-${(sequence += 1)}`) => {
    store.insertWorkspace({ id, presetId, ownerId: settings.systemUserId, name: id, createdAt, ready, deleted: false, lifecycle: { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null } });
    return id;
  };
  const build = (workspaceId: string, presetId: string, status: "succeeded" | "failed" | "pending", at: Date) =>
    store.insertBuild({ id: store.newId("build"), workspaceId, presetId, transition: "start", status, createdAt: at, startedAt: status === "pending" ? null : at, initiatorId: settings.systemUserId });
  return {
    store,
    addPreset: async (preset) => store.upsertPreset(preset),
    addPrebuild: async ({ id, presetId, createdAt, ready }) => build(workspace(presetId, createdAt, ready, id), presetId, "succeeded", createdAt),
    addCreateResult: async (presetId, status, at) => build(workspace(presetId, at, status === "succeeded"), presetId, status, at),
    addPendingCreate: async (presetId, at) => build(workspace(presetId, at, false), presetId, "pending", at),
    setPaused: async (pause) => store.setPaused(pause),
    close: async () => {},
  };
}, { describe, it }, { buildTotals: true });
