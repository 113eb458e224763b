/** The rows of the in-memory store: presets with their parameters, workspaces and builds. */

import type { LifecycleSettings } from "../../core/lifecycle.js";
import type { StorePreset } from "../../ports/store.js";

/**
 * A preset as the in-memory store keeps it: a preset with its parameter values, and optionally
 * the readable names of its organization and template (for metrics labels).
 */
export interface MemoryPreset extends StorePreset {
  /** The template parameters the preset sets. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** A workspace row. */
export interface MemoryWorkspace {
  /** Workspace id. */
  readonly id: string;
  /** The preset it was built from. */
  readonly presetId: string;
  /** Owner: the system user while it is a prebuild. */
  ownerId: string;
  /** Workspace name. */
  name: string;
  /** When it was created. */
  readonly createdAt: Date;
  /** Whether its agents report ready. */
  ready: boolean;
  /** Whether it has been deleted. */
  deleted: boolean;
  /** Its lifecycle settings (all cleared while it is a prebuild). */
  lifecycle: LifecycleSettings;
}

/** The state of a build. */
export type BuildStatus = "pending" | "running" | "succeeded" | "failed" | "canceled";

/** A build row. */
export interface MemoryBuild {
  /** Build id. */
  readonly id: string;
  /** The workspace built. */
  readonly workspaceId: string;
  /** The workspace's preset. */
  readonly presetId: string;
  /** What the build does. */
  readonly transition: "start" | "stop" | "delete";
  /** Where the build is. */
  status: BuildStatus;
  /** When it was queued. */
  readonly createdAt: Date;
  /** When a provisioner picked it up, or `null` while it waits in the queue. */
  startedAt: Date | null;
  /** Who asked for it: the system user for reconciliation builds, a person for claims. */
  readonly initiatorId: string;
}

/** Whether a build is queued or running. */
export function isInFlight(status: BuildStatus): boolean {
  return status === "pending" || status === "running";
}

/** Whether a build has finished in a way that counts for backoff and the hard limit. */
export function isFinishedCreateStatus(status: BuildStatus): boolean {
  return status === "succeeded" || status === "failed";
}
