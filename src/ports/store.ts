import type { ParameterizedPreset } from "../core/claim.js";
import type { LifecycleSettings } from "../core/lifecycle.js";
import type { MembershipStatusRow } from "../core/membership.js";
import type { ClaimEvent, GlobalSnapshot, Preset, PresetStatus, RecordedPresetStatus } from "../core/types/index.js";
import type { FencedCallContext, PortCallContext } from "./call.js";

export type { PresetStatus, RecordedPresetStatus } from "../core/types/index.js";

/**
 * A preset as a store reads it: a {@link Preset}, plus the readable names of its organization and
 * template when the store knows them. No decision reads the names; metrics labels do (they fall
 * back to the ids).
 */
export interface StorePreset extends Preset {
  /** The organization's readable name, or `null`/absent when the store does not know it. */
  readonly organizationName?: string | null;
  /** The template's readable name, or `null`/absent when the store does not know it. */
  readonly templateName?: string | null;
}

/** What a store reads in one consistent read: the global snapshot, with what the store records. */
export interface StoreSnapshot extends GlobalSnapshot {
  /** Every preset, with the names of its organization and template where the store knows them. */
  readonly presets: readonly StorePreset[];
  /**
   * Every preset status that is not `"normal"`. Comparing it with the plan tells the reconciler
   * when a preset crosses the hard limit or stops failing validation, without writing anything in
   * a steady state.
   */
  readonly recordedStatuses: readonly RecordedPresetStatus[];
  /** Claims and misses recorded in the last two hours at least (older ones may be left out). */
  readonly claimEvents: readonly ClaimEvent[];
}

/**
 * This replica's holding of the reconciliation lock, handed to the work that runs under it.
 * Leader-election clients stop acting when they cannot renew their lease by a deadline; this is
 * the same promise: the Reconciler checks the lease before every side effect and stops at once
 * when it is lost.
 */
export interface ReconciliationLease {
  /** Aborted as soon as the store can no longer prove that this replica holds the lock. */
  readonly signal: AbortSignal;
  /**
   * Resolves when the store has just proved that the lock is still held (for example with one
   * round trip on the connection that holds it); rejects, and aborts {@link signal}, otherwise.
   * The Reconciler calls it before each side effect, so a steady-state cycle never calls it.
   */
  confirm(context?: PortCallContext): Promise<void>;
  /** An opaque token naming this holding of the lock, passed to fenced port calls; `null`: none. */
  readonly fencingToken: string | null;
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

/** A status to record for a preset. */
export interface PresetStatusChange {
  /** The preset. */
  readonly presetId: string;
  /** The status to record. */
  readonly status: PresetStatus;
  /** For `"validationFailed"`: the configuration key it failed with (see {@link RecordedPresetStatus}); otherwise `null`. */
  readonly configurationKey: string | null;
}

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
  /** The template's readable name, when the store knows it (for metrics labels). */
  readonly templateName?: string | null;
  /** The organization's readable name, when the store knows it (for metrics labels). */
  readonly organizationName?: string | null;
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
 * The outcome of {@link Store.claim}: the workspace handed out, or `null` when the preset's pool
 * had nothing claimable. Either way the store recorded a {@link ClaimEvent} in the same
 * transaction (`"claimed"` or `"missed"`), unless the preset does not exist.
 */
export type StoreClaimResult = ClaimedWorkspace | null;

/**
 * One preset's all-time totals, counted from what happened to its prebuilds (see
 * {@link Store.loadBuildTotals}). A total never goes down while the rows it counts are kept.
 */
export interface PresetBuildTotals {
  /** The preset. */
  readonly presetId: string;
  /** The preset's name. */
  readonly presetName: string;
  /** The organization of the preset's template. */
  readonly organizationId: string;
  /** The preset's template. */
  readonly templateId: string;
  /** The organization's readable name, or `null`/absent when unknown. */
  readonly organizationName?: string | null;
  /** The template's readable name, or `null`/absent when unknown. */
  readonly templateName?: string | null;
  /** Create builds of prebuilds (started by the system user) that succeeded. */
  readonly created: number;
  /** Create builds of prebuilds that failed. */
  readonly failed: number;
  /** Prebuilds handed to a user: workspaces built as prebuilds that someone else owns now. */
  readonly claimed: number;
}

/**
 * The host's database, as the reconciler needs it. Implementations must make `claim` atomic and
 * treat a unique-constraint violation in the membership inserts as success (another replica won).
 */
export interface Store {
  /**
   * Reads every preset, prebuild, in-progress build, backoff, hard limit, recorded status and
   * recent claim event in one consistent read.
   */
  loadSnapshot(context?: PortCallContext): Promise<StoreSnapshot>;
  /**
   * Runs `work` only if this replica obtains the reconciliation lock, and holds the lock until it
   * settles; when another replica holds it, resolves `{ acquired: false }` without running `work`.
   * When `context.signal` aborts (the cycle's deadline passed, or the reconciler stops), the store
   * must release the lock and settle promptly, even if `work` never does.
   */
  withReconciliationLock<T>(work: (lease: ReconciliationLease) => Promise<T>, context?: PortCallContext): Promise<LockOutcome<T>>;
  /** Whether reconciliation is paused. */
  isPaused(context?: PortCallContext): Promise<PauseState>;
  /** Every organization that has presets, with the system user's membership status, in one read. */
  organizationsWithPrebuildStatus(context?: PortCallContext): Promise<readonly OrganizationPrebuildStatus[]>;
  /** Makes the system user a member of the organization. */
  addSystemUserToOrganization(organizationId: string, context?: FencedCallContext): Promise<void>;
  /** Creates the organization's prebuilds group. */
  createPrebuildsGroup(organizationId: string, context?: FencedCallContext): Promise<void>;
  /** Puts the system user in the organization's prebuilds group. */
  addSystemUserToPrebuildsGroup(organizationId: string, context?: FencedCallContext): Promise<void>;
  /** Records a preset's status (the Reconciler writes only when it changes). */
  setPresetStatus(change: PresetStatusChange, context?: FencedCallContext): Promise<void>;
  /** The presets of a template version with their parameters, for matching a request to a preset. */
  presetsOfTemplateVersion(templateVersionId: string, context?: PortCallContext): Promise<readonly ParameterizedPreset[]>;
  /**
   * Atomically hands one ready, unexpired prebuild of the preset to the claimant, or `null` when
   * none is available, and records the claim or the miss as a {@link ClaimEvent} in the same
   * transaction. Never the same prebuild twice, never an expired or unready one.
   */
  claim(request: StoreClaimRequest, context?: PortCallContext): Promise<StoreClaimResult>;
  /**
   * Optional: every preset's all-time totals of succeeded and failed create builds and of claims,
   * in one read that takes no lock and writes nothing. With it, the Reconciler reads the totals on
   * a timer of its own (`metricsRefreshMs`, outside cycles and the lock) and feeds the `created`,
   * `failed` and `claimed` counters from them; without it, those counters count create calls and
   * `claim()` results instead (see docs/metrics.md).
   */
  loadBuildTotals?(context?: PortCallContext): Promise<readonly PresetBuildTotals[]>;
}
