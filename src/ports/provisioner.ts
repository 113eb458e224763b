import type { Preset } from "../core/types.js";

/** Starts and stops builds. Each call should return once the build is queued, not when it finishes. */
export interface Provisioner {
  /** Queues `count` create builds of prebuilds of `preset` on its template version. */
  createPrebuilds(preset: Preset, count: number): Promise<void>;
  /**
   * Queues the deletion of a prebuild. No template version is named: the build must use the
   * version of the workspace's last build, which may be older than the preset's.
   *
   * A claim can take the workspace between the snapshot and this call: the implementation must
   * refuse (reject) when the workspace is no longer owned by the prebuilds system user, in the
   * same transaction as queuing the delete, or it would delete a person's workspace.
   */
  deletePrebuild(workspaceId: string): Promise<void>;
  /**
   * Cancels the preset's queued, unstarted create builds and orphan-deletes their workspaces, in
   * one step (a later step could not tell them from workspaces a user cancelled). Resolves to how
   * many were cancelled.
   */
  cancelPendingAndOrphanDelete(presetId: string): Promise<number>;
}
