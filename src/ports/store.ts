import type { ParameterizedPreset } from "../core/claim.js";
import type { LifecycleSettings } from "../core/lifecycle.js";
import type { MembershipStatusRow } from "../core/membership.js";
import type { GlobalSnapshot } from "../core/types.js";

/** What a store reads in one consistent read: the global snapshot, plus the recorded preset statuses. */
export interface StoreSnapshot extends GlobalSnapshot {
  /**
   * Presets whose recorded status is hard-limited. Comparing it with `hardLimitedPresetIds` tells
   * the reconciler when a preset crosses the limit, without writing anything in a steady state.
   */
  readonly recordedHardLimitedPresetIds: readonly string[];
}

/** The outcome of {@link Store.withReconciliationLock}. */
export type LockOutcome<T> =
  | {
      /** This replica held the lock and ran the work. */
      readonly acquired: true;
      /** What the work returned. */
      readonly value: T;
    }
  | {
      /** Another replica holds the lock; the work did not run. */
      readonly acquired: false;
    };

/** Whether reconciliation is paused, for every preset or for some. */
export interface PauseState {
  /** Pauses every preset: the cycle does nothing but report. */
  readonly global: boolean;
  /** Pauses these presets only; the others are reconciled. */
  readonly presetIds: readonly string[];
}

/** The recorded status of a preset. */
export type PresetStatus = "normal" | "hardLimited";

/** How far an organization is from letting the prebuilds system user build workspaces in it. */
export type OrganizationPrebuildStatus = MembershipStatusRow;

/** Who claims a prebuild, and the settings the claim asks for. */
export interface Claimant {
  /** The user who becomes the workspace's owner. */
  readonly userId: string;
  /** The workspace name the user asked for. */
  readonly workspaceName: string;
  /** An autostart cron the user asked for; otherwise the template's default applies. */
  readonly autostartSchedule?: string | null;
  /** A time-to-live the user asked for, in ms; otherwise the template's default applies. */
  readonly ttlMs?: number | null;
}

/** A workspace the store handed to a claimant. */
export interface ClaimedWorkspace {
  /** The workspace id (it was a prebuild until now). */
  readonly workspaceId: string;
  /** The preset it was built from. */
  readonly presetId: string;
  /** The preset's name (for metrics labels). */
  readonly presetName: string;
  /** The template of the preset. */
  readonly templateId: string;
  /** The organization of the template. */
  readonly organizationId: string;
  /** The new owner. */
  readonly ownerId: string;
  /** The workspace name it now has. */
  readonly workspaceName: string;
  /** When the prebuild was created. */
  readonly createdAt: Date;
  /** When it was claimed. */
  readonly claimedAt: Date;
}

/** A claim as the store carries it out. */
export interface StoreClaimRequest {
  /** The preset whose pool to take from. */
  readonly presetId: string;
  /** Who takes it. */
  readonly claimant: Claimant;
  /** The lifecycle settings the claimed workspace gets. */
  readonly lifecycle: LifecycleSettings;
  /** The instant of the claim; the store must not hand out a prebuild expired at this instant. */
  readonly now: Date;
}

/**
 * The host's database, as the reconciler needs it. Implementations must make `claim` atomic and
 * treat a unique-constraint violation in the membership inserts as success (another replica won).
 */
export interface Store {
  /** Reads every preset, prebuild, in-progress build, backoff and hard limit in one consistent read. */
  loadSnapshot(): Promise<StoreSnapshot>;
  /**
   * Runs `work` only if this replica obtains the reconciliation lock, and holds the lock until it
   * settles; when another replica holds it, resolves `{ acquired: false }` without running `work`.
   */
  withReconciliationLock<T>(work: () => Promise<T>): Promise<LockOutcome<T>>;
  /** Whether reconciliation is paused. */
  isPaused(): Promise<PauseState>;
  /** Every organization that has presets, with the system user's membership status, in one read. */
  organizationsWithPrebuildStatus(): Promise<readonly OrganizationPrebuildStatus[]>;
  /** Makes the system user a member of the organization. */
  addSystemUserToOrganization(organizationId: string): Promise<void>;
  /** Creates the organization's prebuilds group. */
  createPrebuildsGroup(organizationId: string): Promise<void>;
  /** Puts the system user in the organization's prebuilds group. */
  addSystemUserToPrebuildsGroup(organizationId: string): Promise<void>;
  /** Records a preset's status (written only when it changes). */
  setPresetStatus(presetId: string, status: PresetStatus): Promise<void>;
  /** The presets of a template version with their parameters, for matching a request to a preset. */
  presetsOfTemplateVersion(templateVersionId: string): Promise<readonly ParameterizedPreset[]>;
  /**
   * Atomically hands one ready, unexpired prebuild of the preset to the claimant, or `null` when
   * none is available. Never the same prebuild twice, never an expired or unready one.
   */
  claim(request: StoreClaimRequest): Promise<ClaimedWorkspace | null>;
}
