/**
 * A Store kept in memory, with the semantics a database gives: snapshots derived from workspaces
 * and their builds, backoff and hard limit derived from recorded build results, atomic claims.
 */

import { selectClaimCandidate } from "../../core/claim.js";
import { isPresetActive } from "../../core/state.js";
import type { ParameterizedPreset } from "../../core/claim.js";
import type { LifecycleSettings } from "../../core/lifecycle.js";
import type { PortCallContext } from "../../ports/call.js";
import type { BackoffRow, ClaimEvent, Clock, InProgressRow, Preset, RecordedPresetStatus, RunningPrebuild } from "../../core/types.js";
import type {
  ClaimedWorkspace,
  LockOutcome,
  OrganizationPrebuildStatus,
  PauseState,
  PresetBuildTotals,
  PresetStatus,
  PresetStatusChange,
  ReconciliationLease,
  Store,
  StoreClaimRequest,
  StoreClaimResult,
  StorePreset,
  StoreSnapshot,
} from "../../ports/store.js";

/** How long claim events stay in the snapshot: the longest demand window (SPEC §11). */
const CLAIM_EVENT_RETENTION_MS = 120 * 60_000;

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

/** How the in-memory store derives backoff and hard limits. */
export interface InMemoryStoreOptions {
  /** Time, for claims and the backoff lookback. */
  readonly clock: Clock;
  /** The user that owns prebuilds. */
  readonly systemUserId: string;
  /** Failed creates older than this do not count towards a backoff, in ms. Default one hour. */
  readonly backoffLookbackMs?: number;
  /** A preset whose last this-many creates all failed is hard-limited; 0 disables. Default 3. */
  readonly hardLimit?: number;
}

/**
 * The in-memory {@link Store}. Host-side methods (`upsertPreset`, `setPaused`, …) and simulator-side
 * methods (`insertWorkspace`, `insertBuild`, …) change its contents; the Store methods read and
 * claim exactly as a database-backed store should.
 *
 * @example
 * const clock = new ManualClock(new Date("2025-06-02T08:00:00Z"));
 * const store = new InMemoryStore({ clock, systemUserId: "prebuilds" });
 * store.upsertPreset({ ...preset, parameters: { region: "eu" } });
 */
export class InMemoryStore implements Store {
  private readonly clock: Clock;
  /** The user that owns prebuilds. */
  readonly systemUserId: string;
  private readonly lookbackMs: number;
  private readonly hardLimit: number;
  private readonly presets = new Map<string, MemoryPreset>();
  private readonly workspaceRows = new Map<string, MemoryWorkspace>();
  private readonly buildRows: MemoryBuild[] = [];
  private readonly statuses = new Map<string, RecordedPresetStatus>();
  private readonly claimEventRows: ClaimEvent[] = [];
  private readonly organizationMembers = new Set<string>();
  private readonly prebuildsGroups = new Set<string>();
  private readonly groupMembers = new Set<string>();
  private pause: PauseState = { global: false, presetIds: [] };
  private lockHolder: AbortController | null = null;
  private lockGeneration = 0;
  private nextId = 1;

  constructor(options: InMemoryStoreOptions) {
    this.clock = options.clock;
    this.systemUserId = options.systemUserId;
    this.lookbackMs = options.backoffLookbackMs ?? 3_600_000;
    this.hardLimit = options.hardLimit ?? 3;
  }

  // ── host side ──────────────────────────────────────────────────────────────

  /** Adds or replaces a preset. */
  upsertPreset(preset: MemoryPreset): void {
    this.presets.set(preset.id, preset);
  }

  /** Changes a stored preset, for example to deprecate its template or change its schedule. */
  updatePreset(presetId: string, change: (preset: MemoryPreset) => MemoryPreset): void {
    const preset = this.presets.get(presetId);
    if (preset === undefined) throw new Error(`no preset ${presetId}`);
    this.presets.set(presetId, change(preset));
  }

  /** Pauses or resumes reconciliation. */
  setPaused(pause: PauseState): void {
    this.pause = pause;
  }

  /** Every preset. */
  listPresets(): readonly MemoryPreset[] {
    return [...this.presets.values()];
  }

  /** Every workspace, deleted ones included. */
  listWorkspaces(): readonly MemoryWorkspace[] {
    return [...this.workspaceRows.values()];
  }

  /** Every build, oldest first. */
  listBuilds(): readonly MemoryBuild[] {
    return this.buildRows;
  }

  /** A preset's recorded status. */
  presetStatus(presetId: string): PresetStatus {
    return this.statuses.get(presetId)?.status ?? "normal";
  }

  /** Every claim event recorded, oldest first (the snapshot holds only the last two hours). */
  listClaimEvents(): readonly ClaimEvent[] {
    return this.claimEventRows;
  }

  /**
   * Makes the lock holder lose the lock, as a database connection that dies would: its lease is
   * aborted and the lock is free for the next taker, while the holder's work is still running.
   */
  loseLock(): void {
    const holder = this.lockHolder;
    this.lockHolder = null;
    holder?.abort(new Error("the reconciliation lock was lost"));
  }

  /** Whether a replica holds the reconciliation lock now. */
  get lockHeld(): boolean {
    return this.lockHolder !== null;
  }

  // ── simulator side ─────────────────────────────────────────────────────────

  /** A fresh id with a prefix, unique within this store. */
  newId(prefix: string): string {
    const id = `${prefix}-${String(this.nextId).padStart(6, "0")}`;
    this.nextId += 1;
    return id;
  }

  /** Inserts a workspace row. */
  insertWorkspace(workspace: MemoryWorkspace): void {
    if (this.workspaceRows.has(workspace.id)) throw new Error(`duplicate workspace id ${workspace.id}`);
    this.workspaceRows.set(workspace.id, workspace);
  }

  /** The workspace with this id, or `undefined`. */
  workspace(workspaceId: string): MemoryWorkspace | undefined {
    return this.workspaceRows.get(workspaceId);
  }

  /** Appends a build row. */
  insertBuild(build: MemoryBuild): void {
    this.buildRows.push(build);
  }

  // ── Store ─────────────────────────────────────────────────────────────────

  async withReconciliationLock<T>(work: (lease: ReconciliationLease) => Promise<T>, context?: PortCallContext): Promise<LockOutcome<T>> {
    const signal = context?.signal;
    signal?.throwIfAborted();
    if (this.lockHolder !== null) return { acquired: false };
    const holder = new AbortController();
    this.lockHolder = holder;
    this.lockGeneration += 1;
    const lease: ReconciliationLease = {
      signal: holder.signal,
      fencingToken: String(this.lockGeneration),
      confirm: async () => {
        if (holder.signal.aborted) throw holder.signal.reason;
      },
    };
    try {
      const running = work(lease);
      if (signal === undefined) return { acquired: true, value: await running };
      // The caller gave up (a deadline, a stop): end the lease and settle without waiting for the work.
      running.catch(() => undefined);
      return await new Promise<LockOutcome<T>>((resolve, reject) => {
        const onAbort = () => {
          holder.abort(signal.reason);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        running.then(
          (value) => resolve({ acquired: true, value }),
          (error: unknown) => reject(error),
        ).finally(() => signal.removeEventListener("abort", onAbort));
      });
    } finally {
      if (this.lockHolder === holder) this.lockHolder = null;
    }
  }

  async isPaused(): Promise<PauseState> {
    return this.pause;
  }

  async loadSnapshot(): Promise<StoreSnapshot> {
    return this.snapshotNow();
  }

  /** The snapshot, computed synchronously so that a claim can read and write without interleaving. */
  private snapshotNow(): StoreSnapshot {
    const nowMs = this.clock.now().getTime();
    const latestBuild = new Map<string, MemoryBuild>();
    for (const build of this.buildRows) latestBuild.set(build.workspaceId, build);
    const running: RunningPrebuild[] = [];
    for (const workspace of this.workspaceRows.values()) {
      const latest = latestBuild.get(workspace.id);
      if (workspace.deleted || workspace.ownerId !== this.systemUserId || latest === undefined) continue;
      if (latest.transition === "start" && latest.status === "succeeded") {
        running.push({ id: workspace.id, presetId: workspace.presetId, createdAt: workspace.createdAt, ready: workspace.ready });
      }
    }
    const inProgress = new Map<string, InProgressRow>();
    const pending = new Map<string, number>();
    const creates = new Map<string, MemoryBuild[]>();
    for (const build of this.buildRows) {
      if (build.initiatorId !== this.systemUserId) continue;
      const preset = this.presets.get(build.presetId);
      if (preset === undefined) continue;
      if (build.status === "pending" || build.status === "running") {
        const key = `${build.presetId}\u0000${build.transition}`;
        const row = inProgress.get(key);
        inProgress.set(key, { presetId: build.presetId, transition: build.transition, count: (row?.count ?? 0) + 1 });
        if (build.transition === "start" && build.status === "pending" && build.startedAt === null && !isPresetActive(preset)) {
          pending.set(build.presetId, (pending.get(build.presetId) ?? 0) + 1);
        }
      }
      if (build.transition === "start" && (build.status === "succeeded" || build.status === "failed")) {
        const list = creates.get(build.presetId) ?? [];
        list.push(build);
        creates.set(build.presetId, list);
      }
    }
    const backoffs: BackoffRow[] = [];
    const hardLimited: string[] = [];
    for (const [presetId, list] of creates) {
      const preset = this.presets.get(presetId);
      if (preset === undefined || !isPresetActive(preset)) continue;
      list.sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
      const latest = list.at(-1);
      if (latest?.status === "failed") {
        const recentFailures = list.filter((build) => build.status === "failed" && nowMs - build.createdAt.getTime() <= this.lookbackMs);
        if (recentFailures.length > 0) backoffs.push({ presetId, failedBuilds: recentFailures.length, lastBuildAt: latest.createdAt });
      }
      if (this.hardLimit > 0 && list.length >= this.hardLimit && list.slice(-this.hardLimit).every((build) => build.status === "failed")) {
        hardLimited.push(presetId);
      }
    }
    return {
      presets: [...this.presets.values()],
      running,
      inProgress: [...inProgress.values()],
      pendingNonActive: [...pending].map(([presetId, count]) => ({ presetId, count })),
      backoffs,
      hardLimitedPresetIds: hardLimited,
      recordedStatuses: [...this.statuses.values()],
      claimEvents: this.claimEventRows.filter((event) => nowMs - event.at.getTime() < CLAIM_EVENT_RETENTION_MS),
    };
  }

  async organizationsWithPrebuildStatus(): Promise<readonly OrganizationPrebuildStatus[]> {
    const organizations = new Set([...this.presets.values()].map((preset) => preset.organizationId));
    return [...organizations].map((organizationId) => ({
      organizationId,
      systemUserIsMember: this.organizationMembers.has(organizationId),
      prebuildsGroupExists: this.prebuildsGroups.has(organizationId),
      systemUserInGroup: this.groupMembers.has(organizationId),
    }));
  }

  async addSystemUserToOrganization(organizationId: string): Promise<void> {
    this.organizationMembers.add(organizationId);
  }

  async createPrebuildsGroup(organizationId: string): Promise<void> {
    this.prebuildsGroups.add(organizationId);
  }

  async addSystemUserToPrebuildsGroup(organizationId: string): Promise<void> {
    if (!this.prebuildsGroups.has(organizationId)) throw new Error(`organization ${organizationId} has no prebuilds group`);
    this.groupMembers.add(organizationId);
  }

  async setPresetStatus(change: PresetStatusChange): Promise<void> {
    if (change.status === "normal") this.statuses.delete(change.presetId);
    else this.statuses.set(change.presetId, { presetId: change.presetId, status: change.status, configurationKey: change.configurationKey });
  }

  async presetsOfTemplateVersion(templateVersionId: string): Promise<readonly ParameterizedPreset[]> {
    return [...this.presets.values()]
      .filter((preset) => preset.templateVersionId === templateVersionId)
      .map((preset) => ({ id: preset.id, parameters: preset.parameters }));
  }

  /**
   * Every preset's all-time totals, counted from the build and workspace rows as a database would:
   * create builds started by the system user that succeeded or failed, and workspaces whose first
   * build the system user started that someone else owns now (claimed prebuilds).
   */
  async loadBuildTotals(): Promise<readonly PresetBuildTotals[]> {
    const counts = new Map<string, { created: number; failed: number; claimed: number }>();
    for (const presetId of this.presets.keys()) counts.set(presetId, { created: 0, failed: 0, claimed: 0 });
    const firstBuild = new Map<string, MemoryBuild>();
    for (const build of this.buildRows) {
      if (!firstBuild.has(build.workspaceId)) firstBuild.set(build.workspaceId, build);
      if (build.initiatorId !== this.systemUserId || build.transition !== "start") continue;
      const count = counts.get(build.presetId);
      if (count === undefined) continue;
      if (build.status === "succeeded") count.created += 1;
      else if (build.status === "failed") count.failed += 1;
    }
    for (const workspace of this.workspaceRows.values()) {
      const first = firstBuild.get(workspace.id);
      const count = counts.get(workspace.presetId);
      if (count === undefined || first?.initiatorId !== this.systemUserId || workspace.ownerId === this.systemUserId) continue;
      count.claimed += 1;
    }
    return [...this.presets.values()].map((preset) => ({
      presetId: preset.id,
      presetName: preset.name,
      organizationId: preset.organizationId,
      templateId: preset.templateId,
      organizationName: preset.organizationName ?? null,
      templateName: preset.templateName ?? null,
      ...(counts.get(preset.id) ?? { created: 0, failed: 0, claimed: 0 }),
    }));
  }

  async claim(request: StoreClaimRequest): Promise<StoreClaimResult> {
    const preset = this.presets.get(request.presetId);
    if (preset === undefined) return null;
    const claimed = this.claimNow(preset, request);
    this.claimEventRows.push({ presetId: preset.id, at: request.now, outcome: claimed === null ? "missed" : "claimed" });
    // By the store's clock, which the snapshot's window uses: a claim from a replica whose clock
    // runs ahead must not prune events the snapshot still reads.
    this.pruneClaimEvents(this.clock.now().getTime());
    return claimed;
  }

  /** Keeps the event list bounded, as a database prunes old rows: nothing older than the retention. */
  private pruneClaimEvents(nowMs: number): void {
    let stale = 0;
    while (stale < this.claimEventRows.length && nowMs - (this.claimEventRows[stale]?.at.getTime() ?? nowMs) >= CLAIM_EVENT_RETENTION_MS) stale += 1;
    if (stale > 0) this.claimEventRows.splice(0, stale);
  }

  private claimNow(preset: MemoryPreset, request: StoreClaimRequest): ClaimedWorkspace | null {
    // Everything from the read to the ownership change is synchronous: no other claim can interleave.
    const running = this.snapshotNow().running.filter((prebuild) => prebuild.presetId === preset.id);
    const candidate = selectClaimCandidate(
      { preset, running, inProgress: { start: 0, stop: 0, delete: 0 }, pendingNonActive: 0, backoff: null, hardLimited: false },
      { now: () => request.now },
    );
    const workspace = candidate === null ? undefined : this.workspaceRows.get(candidate.id);
    if (workspace === undefined || workspace.ownerId !== this.systemUserId) return null;
    workspace.ownerId = request.claimant.userId;
    workspace.name = request.claimant.workspaceName;
    workspace.lifecycle = request.lifecycle;
    this.insertBuild({
      id: this.newId("build"),
      workspaceId: workspace.id,
      presetId: preset.id,
      transition: "start",
      status: "succeeded",
      createdAt: request.now,
      startedAt: request.now,
      initiatorId: request.claimant.userId,
    });
    return {
      workspaceId: workspace.id,
      presetId: preset.id,
      presetName: preset.name,
      templateId: preset.templateId,
      organizationId: preset.organizationId,
      ...(preset.templateName === undefined ? {} : { templateName: preset.templateName }),
      ...(preset.organizationName === undefined ? {} : { organizationName: preset.organizationName }),
      ownerId: workspace.ownerId,
      workspaceName: workspace.name,
      createdAt: workspace.createdAt,
      claimedAt: request.now,
    };
  }
}
