import type { Preset } from "../core/types/index.js";
import type { ClaimedWorkspace } from "./store.js";

/** A resource that a claim's build replaced instead of keeping, which defeats the prebuild. */
export interface ResourceReplacement {
  /** The resource's address, for example `docker_container.workspace`. */
  readonly resource: string;
  /** The attributes whose change forced the replacement. */
  readonly paths: readonly string[];
}

/** Tells template admins what they need to act on. */
export interface Notifier {
  /** The preset's last creates all failed: it gets no more creates until it changes. Sent once per transition. */
  hardLimitReached(preset: Preset): Promise<void>;
  /** A claim's build replaced resources: the template should keep them stable. */
  resourcesReplaced(claim: ClaimedWorkspace, replacements: readonly ResourceReplacement[]): Promise<void>;
  /**
   * A create failed permanently: the preset's configuration cannot build, and it gets no creates
   * until its template version or configuration changes. Sent once per failure. Optional.
   */
  validationFailed?(preset: Preset, message: string): Promise<void>;
}

/**
 * A notifier that tells no one (the Reconciler's default).
 *
 * @example
 * const notifier: Notifier = { ...silentNotifier, hardLimitReached: async (preset) => pager.alert(preset.name) };
 */
export const silentNotifier: Notifier = {
  hardLimitReached: async () => {},
  resourcesReplaced: async () => {},
  validationFailed: async () => {},
};
