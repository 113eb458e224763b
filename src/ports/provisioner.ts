import type { Preset } from "../core/types/index.js";
import type { FencedCallContext } from "./call.js";

/** Starts and stops builds. Each call should return once the build is queued, not when it finishes. */
export interface Provisioner {
  /**
   * Queues `count` create builds of prebuilds of `preset` on its template version. Reject with a
   * {@link PermanentBuildError} when the preset's configuration can never build (for example a
   * template that fails validation): the preset then gets no more creates until it changes.
   */
  createPrebuilds(preset: Preset, count: number, context?: FencedCallContext): Promise<void>;
  /**
   * Queues the deletion of a prebuild. No template version is named: the build must use the
   * version of the workspace's last build, which may be older than the preset's.
   *
   * A claim can take the workspace between the snapshot and this call: the implementation must
   * refuse (reject) when the workspace is no longer owned by the prebuilds system user, in the
   * same transaction as queuing the delete, or it would delete a person's workspace.
   */
  deletePrebuild(workspaceId: string, context?: FencedCallContext): Promise<void>;
  /**
   * Cancels the preset's queued, unstarted create builds and orphan-deletes their workspaces, in
   * one step (a later step could not tell them from workspaces a user cancelled). Resolves to how
   * many were cancelled.
   */
  cancelPendingAndOrphanDelete(presetId: string, context?: FencedCallContext): Promise<number>;
}

const PERMANENT_BUILD_FAILURE = "PERMANENT_BUILD_FAILURE";

/**
 * Thrown (rejected) by a {@link Provisioner} when a preset's configuration can never build, as
 * opposed to a transient failure worth retrying. The Reconciler records the preset as
 * `validationFailed`, notifies once, and creates nothing for it until its template version or
 * its configuration changes.
 *
 * @example
 * async createPrebuilds(preset, count) {
 *   const check = await builds.validate(preset.templateVersionId);
 *   if (!check.ok) throw new PermanentBuildError(`template version does not validate: ${check.message}`);
 *   // …
 * }
 */
export class PermanentBuildError extends Error {
  /** Stable machine-readable code; also what {@link isPermanentBuildError} looks for. */
  readonly code = PERMANENT_BUILD_FAILURE;

  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = "PermanentBuildError";
  }
}

/**
 * Whether `error` means "this configuration cannot build": a {@link PermanentBuildError}, also
 * one from another copy of this package (CommonJS and ESM builds side by side), recognised by its code.
 *
 * @example
 * if (isPermanentBuildError(error)) console.warn("fix the template", error.message);
 */
export function isPermanentBuildError(error: unknown): boolean {
  if (error instanceof PermanentBuildError) return true;
  if (typeof error !== "object" || error === null) return false;
  try {
    return (error as { code?: unknown }).code === PERMANENT_BUILD_FAILURE;
  } catch {
    // A hostile getter: whatever it is, it does not claim to be permanent.
    return false;
  }
}
