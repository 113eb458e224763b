/**
 * A Store kept in memory, with the semantics a database gives: snapshots derived from workspaces
 * and their builds, backoff and hard limit derived from recorded build results, atomic claims.
 */

import { selectClaimCandidate } from "../../core/claim.js";
import { isPresetActive } from "../../core/state.js";
import { CreateHistory } from "./create-history.js";
import { watchField } from "./watch.js";
import { isFinishedCreateStatus, isInFlight, type BuildStatus, type MemoryBuild, type MemoryPreset, type MemoryWorkspace } from "./rows.js";
import type { ParameterizedPreset } from "../../core/claim.js";
import type { PortCallContext } from "../../ports/call.js";
import type { BackoffRow, ClaimEvent, Clock, InProgressRow, Preset, RecordedPresetStatus, RunningPrebuild } from "../../core/types/index.js";
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
  StoreSnapshot,
} from "../../ports/store.js";

/** A workspace row and its position in the order of insertion. */
interface WorkspaceEntry {
  readonly row: MemoryWorkspace;
  readonly sequence: number;
}

/** A build row, its position in the build list, and the status the indexes last saw. */
interface BuildEntry {
  readonly row: MemoryBuild;
  readonly sequence: number;
  status: BuildStatus;
}

/** How long claim events stay in the snapshot: the longest demand window (SPEC §11). */
const CLAIM_EVENT_RETENTION_MS = 120 * 60_000;

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
  private readonly workspaceRows = new Map<string, WorkspaceEntry>();
  private readonly buildRows: MemoryBuild[] = [];
  private readonly buildEntries: BuildEntry[] = [];
  /** The last build inserted for each workspace id (a build may name a workspace not inserted yet). */
  private readonly latestBuild = new Map<string, BuildEntry>();
  /** Workspaces that are running prebuilds: not deleted, owned by the system user, latest build a successful start. */
  private readonly runningPrebuilds = new Map<string, WorkspaceEntry>();
  /** Workspaces not deleted, owned by the system user, and ready: what the pools hold. */
  private readonly readyPrebuilds = new Set<WorkspaceEntry>();
  /** {@link readyPrebuilds} counted per preset. */
  private readonly readyByPreset = new Map<string, number>();
  /** Builds that are pending or running, in build-list order once {@link sortInFlight} ran. */
  private inFlight = new Set<BuildEntry>();
  private inFlightUnordered = false;
  /** Finished creates per preset; rebuilt from the build list after a change no simulator makes. */
  private histories = new Map<string, CreateHistory>();
  private historiesStale = false;
  /** Failures queued before this instant no longer count (the clock only moves forward). */
  private forgetFailuresBeforeMs = Number.NEGATIVE_INFINITY;
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
    return [...this.workspaceRows.values()].map((entry) => entry.row);
  }

  /**
   * How many workspaces are prebuilds waiting to be claimed: not deleted, owned by the system user,
   * and ready (one being deleted counts until its delete finishes); of one preset when `presetId`
   * is given. The same as filtering {@link listWorkspaces}, without reading the whole history.
   */
  countReadyPrebuilds(presetId?: string): number {
    return presetId === undefined ? this.readyPrebuilds.size : (this.readyByPreset.get(presetId) ?? 0);
  }

  /** The builds that are pending or running, oldest first: what a provisioner has to move on. */
  buildsInProgress(): readonly MemoryBuild[] {
    return this.sortedInFlight().map((entry) => entry.row);
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

  /**
   * Inserts a workspace row. The store keeps the object itself, which stays mutable; it watches
   * `ownerId`, `ready` and `deleted` (they become accessors on the object) to keep its indexes exact.
   */
  insertWorkspace(workspace: MemoryWorkspace): void {
    if (this.workspaceRows.has(workspace.id)) throw new Error(`duplicate workspace id ${workspace.id}`);
    const entry: WorkspaceEntry = { row: workspace, sequence: this.workspaceRows.size };
    this.workspaceRows.set(workspace.id, entry);
    for (const field of ["ownerId", "ready", "deleted"] as const) watchField(workspace, field, () => this.workspaceChanged(entry));
    this.workspaceChanged(entry);
  }

  /** The workspace with this id, or `undefined`. */
  workspace(workspaceId: string): MemoryWorkspace | undefined {
    return this.workspaceRows.get(workspaceId)?.row;
  }

  /**
   * Appends a build row. The store keeps the object itself, which stays mutable; it watches
   * `status` (an accessor on the object) to keep its indexes exact.
   */
  insertBuild(build: MemoryBuild): void {
    const entry: BuildEntry = { row: build, sequence: this.buildRows.length, status: build.status };
    this.buildRows.push(build);
    this.buildEntries.push(entry);
    this.latestBuild.set(build.workspaceId, entry);
    if (isInFlight(build.status)) this.inFlight.add(entry);
    else this.recordFinished(entry);
    watchField(build, "status", () => this.buildStatusChanged(entry));
    const workspace = this.workspaceRows.get(build.workspaceId);
    if (workspace !== undefined) this.workspaceChanged(workspace);
  }

  // ── indexes ───────────────────────────────────────────────────────────────

  private workspaceChanged(entry: WorkspaceEntry): void {
    const { row } = entry;
    const prebuild = !row.deleted && row.ownerId === this.systemUserId;
    const latest = this.latestBuild.get(row.id)?.row;
    if (prebuild && latest !== undefined && latest.transition === "start" && latest.status === "succeeded") this.runningPrebuilds.set(row.id, entry);
    else this.runningPrebuilds.delete(row.id);
    const ready = prebuild && row.ready;
    if (ready === this.readyPrebuilds.has(entry)) return;
    if (ready) this.readyPrebuilds.add(entry);
    else this.readyPrebuilds.delete(entry);
    this.readyByPreset.set(row.presetId, (this.readyByPreset.get(row.presetId) ?? 0) + (ready ? 1 : -1));
  }

  private buildStatusChanged(entry: BuildEntry): void {
    const before = entry.status;
    const after = entry.row.status;
    entry.status = after;
    if (isInFlight(before) && !isInFlight(after)) {
      this.inFlight.delete(entry);
      this.recordFinished(entry);
    } else if (!isInFlight(before) && isInFlight(after)) {
      // Back in flight after it ended: no simulator does this, but a test may.
      this.inFlight.add(entry);
      this.inFlightUnordered = true;
      if (isFinishedCreateStatus(before)) this.historiesStale = true;
    } else if (before !== after && (isFinishedCreateStatus(before) || isFinishedCreateStatus(after))) {
      this.historiesStale = true;
    }
    if (this.latestBuild.get(entry.row.workspaceId) === entry) {
      const workspace = this.workspaceRows.get(entry.row.workspaceId);
      if (workspace !== undefined) this.workspaceChanged(workspace);
    }
  }

  /** Notes a build that is no longer in flight in its preset's create history, when it is a finished create. */
  private recordFinished(entry: BuildEntry): void {
    const build = entry.row;
    if (build.transition !== "start" || build.initiatorId !== this.systemUserId || !isFinishedCreateStatus(build.status)) return;
    let history = this.histories.get(build.presetId);
    if (history === undefined) {
      history = new CreateHistory(Math.max(this.hardLimit, 1));
      this.histories.set(build.presetId, history);
    }
    history.add({ createdAtMs: build.createdAt.getTime(), createdAt: build.createdAt, sequence: entry.sequence, failed: build.status === "failed" }, this.forgetFailuresBeforeMs);
  }

  /** The create histories, rebuilt from the build list when an unusual change or a clock that went back asks for it. */
  private historiesAt(nowMs: number): ReadonlyMap<string, CreateHistory> {
    const forgetBeforeMs = nowMs - this.lookbackMs;
    if (forgetBeforeMs < this.forgetFailuresBeforeMs) this.historiesStale = true;
    if (this.historiesStale) {
      this.historiesStale = false;
      this.forgetFailuresBeforeMs = Number.NEGATIVE_INFINITY;
      this.histories = new Map();
      for (const entry of this.buildEntries) if (!isInFlight(entry.row.status)) this.recordFinished(entry);
    }
    this.forgetFailuresBeforeMs = forgetBeforeMs;
    return this.histories;
  }

  private sortedInFlight(): readonly BuildEntry[] {
    if (this.inFlightUnordered) {
      this.inFlight = new Set([...this.inFlight].sort((left, right) => left.sequence - right.sequence));
      this.inFlightUnordered = false;
    }
    return [...this.inFlight];
  }

  /** The running prebuilds, in the order the workspaces were inserted; of one preset when `presetId` is given. */
  private runningRows(presetId?: string): RunningPrebuild[] {
    const entries: WorkspaceEntry[] = [];
    for (const entry of this.runningPrebuilds.values()) if (presetId === undefined || entry.row.presetId === presetId) entries.push(entry);
    entries.sort((left, right) => left.sequence - right.sequence);
    return entries.map(({ row }) => ({ id: row.id, presetId: row.presetId, createdAt: row.createdAt, ready: row.ready }));
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

  /**
   * The snapshot, computed synchronously so that a claim can read and write without interleaving.
   * It reads the indexes only, so its cost follows what it returns, not the length of the history.
   */
  private snapshotNow(): StoreSnapshot {
    const nowMs = this.clock.now().getTime();
    const inProgress = new Map<string, InProgressRow>();
    const pending = new Map<string, number>();
    for (const { row: build } of this.sortedInFlight()) {
      if (build.initiatorId !== this.systemUserId) continue;
      const preset = this.presets.get(build.presetId);
      if (preset === undefined) continue;
      const key = `${build.presetId}\u0000${build.transition}`;
      const row = inProgress.get(key);
      inProgress.set(key, { presetId: build.presetId, transition: build.transition, count: (row?.count ?? 0) + 1 });
      if (build.transition === "start" && build.status === "pending" && build.startedAt === null && !isPresetActive(preset)) {
        pending.set(build.presetId, (pending.get(build.presetId) ?? 0) + 1);
      }
    }
    const backoffs: BackoffRow[] = [];
    const hardLimited: string[] = [];
    const histories = [...this.historiesAt(nowMs)].sort(([, left], [, right]) => left.firstSequence - right.firstSequence);
    for (const [presetId, history] of histories) {
      const preset = this.presets.get(presetId);
      if (preset === undefined || !isPresetActive(preset)) continue;
      const latest = history.latest();
      if (latest?.failed === true) {
        const recentFailures = history.failuresSince(nowMs - this.lookbackMs);
        if (recentFailures > 0) backoffs.push({ presetId, failedBuilds: recentFailures, lastBuildAt: latest.createdAt });
      }
      if (this.hardLimit > 0 && history.lastAllFailed(this.hardLimit)) hardLimited.push(presetId);
    }
    return {
      presets: [...this.presets.values()],
      running: this.runningRows(),
      inProgress: [...inProgress.values()],
      pendingNonActive: [...pending].map(([presetId, count]) => ({ presetId, count })),
      backoffs,
      hardLimitedPresetIds: hardLimited,
      recordedStatuses: [...this.statuses.values()],
      claimEvents: this.claimEventRows.filter((event) => nowMs - event.at.getTime() < CLAIM_EVENT_RETENTION_MS),
    };
  }

  /**
   * The first instant after `nowMs` at which a snapshot would differ with no write in between: a
   * failed create leaving the backoff lookback. (Claim events leaving the last two hours change it
   * too; a plan reads them only through demand windows, whose edges the plan's own next change names.)
   * `null` when there is none. For simulators that skip ahead.
   */
  nextUnwrittenChangeAt(nowMs: number): number | null {
    let earliest: number | null = null;
    for (const history of this.historiesAt(nowMs).values()) {
      if (history.failuresSince(nowMs - this.lookbackMs) === 0) continue;
      const oldest = history.oldestFailureMs();
      // A failure counts while now − queued ≤ lookback: it stops counting one millisecond later.
      const leaves = oldest === null ? null : oldest + this.lookbackMs + 1;
      if (leaves !== null && leaves > nowMs && (earliest === null || leaves < earliest)) earliest = leaves;
    }
    return earliest;
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
    for (const { row: workspace } of this.workspaceRows.values()) {
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
    const running = this.runningRows(preset.id);
    const candidate = selectClaimCandidate(
      { preset, running, inProgress: { start: 0, stop: 0, delete: 0 }, pendingNonActive: 0, backoff: null, hardLimited: false },
      { now: () => request.now },
    );
    const workspace = candidate === null ? undefined : this.workspaceRows.get(candidate.id)?.row;
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
