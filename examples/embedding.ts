/**
 * How a host embeds the Reconciler: the four ports implemented against a fictional host API
 * (a PostgreSQL pool shaped like node-postgres, a workspace build service, a mailer and a
 * Prometheus-style registry), the wiring, and the request handlers that claim prebuilds.
 *
 *   npx tsx examples/embedding.ts
 *
 * The SQL is a sketch against a fictional schema; what matters is which guarantees each method
 * gives. Everything between the "embedding start" and "embedding end" markers is
 * shown in docs/runtime.md. Below the end marker, a fake pool that answers each query by its
 * `-- name:` comment runs one cycle and two claims, and prints which queries they made.
 */

// embedding start
import {
  canDeleteWorkspace,
  jsonLineLogger,
  Reconciler,
  type ClaimedWorkspace,
  type CounterName,
  type GaugeName,
  type HistogramName,
  type LockOutcome,
  type Metrics,
  type Notifier,
  type OrganizationPrebuildStatus,
  type ParameterizedPreset,
  type PauseState,
  type Preset,
  type PresetLabels,
  type FencedCallContext,
  type PortCallContext,
  type PresetStatusChange,
  type ReconciliationLease,
  type Provisioner,
  type ResourceReplacement,
  type Store,
  type StoreClaimRequest,
  type StoreSnapshot,
  type WorkspacePermission,
} from "../src/index.js";

// ── The host's own APIs (fictional) ──────────────────────────────────────────

/** Options of a query: an aborted signal cancels it on the server (`pg_cancel_backend`). */
export interface QueryOptions {
  readonly signal?: AbortSignal | undefined;
}

/** The part of a PostgreSQL client the host uses, shaped like node-postgres. */
export interface SqlClient {
  query<Row extends object>(text: string, values?: readonly unknown[], options?: QueryOptions): Promise<{ readonly rows: Row[] }>;
}

/** A pool of connections; `transaction` runs `work` on one connection, commits or rolls back. */
export interface SqlPool extends SqlClient {
  transaction<T>(
    work: (tx: SqlClient) => Promise<T>,
    options?: { readonly isolation?: "read committed" | "repeatable read"; readonly readOnly?: boolean; readonly signal?: AbortSignal | undefined },
  ): Promise<T>;
}

/** The host's workspace service: creates workspaces and queues their builds. */
export interface WorkspaceBuilds {
  /**
   * Creates a workspace and queues its first start build with the preset's parameters; returns once
   * queued. An HTTP call underneath: it takes a signal, as `fetch` does.
   */
  createWorkspace(
    request: { readonly ownerId: string; readonly name: string; readonly templateVersionId: string; readonly presetId: string | null },
    options?: QueryOptions,
  ): Promise<{ readonly workspaceId: string }>;
  /**
   * Queues a delete build, which reuses the template version of the workspace's last build.
   * Rejects, queuing nothing, when the workspace's owner is not `ifOwnedBy` at that moment.
   */
  deleteWorkspace(workspaceId: string, initiatorId: string, ifOwnedBy: string, options?: QueryOptions): Promise<void>;
}

/** The host's mail sender. */
export interface Mailer {
  send(message: { readonly to: readonly string[]; readonly subject: string; readonly text: string }): Promise<void>;
}

/** A Prometheus-style registry, shaped like prom-client. */
export interface MetricsRegistry {
  counter(name: string, help: string): { inc(labels: Record<string, string>, value: number): void };
  gauge(name: string, help: string): { set(labels: Record<string, string>, value: number): void };
  histogram(name: string, help: string): { observe(labels: Record<string, string>, value: number): void };
}

// ── Store ─────────────────────────────────────────────────────────────────────

interface PresetRow {
  id: string;
  name: string;
  organization_id: string;
  template_id: string;
  template_version_id: string;
  using_active_version: boolean;
  template_deleted: boolean;
  template_deprecated: boolean;
  desired_instances: number;
  ttl_seconds: number | null;
  last_invalidated_at: Date | null;
  scheduling: { timezone: string; schedules: { cron: string; instances: number }[] } | null;
}

const UNIQUE_VIOLATION = "23505";

/** A membership insert that another replica already made is a success, not an error. */
async function insertOnce(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
  }
}

export class SqlStore implements Store {
  constructor(
    private readonly pool: SqlPool,
    private readonly systemUserId: string,
  ) {}

  /** A transaction-scoped advisory lock: released when the transaction ends, even if this process dies. */
  withReconciliationLock<T>(work: (lease: ReconciliationLease) => Promise<T>): Promise<LockOutcome<T>> {
    return this.pool.transaction(async (tx) => {
      const { rows } = await tx.query<{ acquired: boolean }>("-- name: TryReconciliationLock\nSELECT pg_try_advisory_xact_lock(7406) AS acquired");
      if (rows[0]?.acquired !== true) return { acquired: false };
      const lost = new AbortController();
      const lease: ReconciliationLease = {
        signal: lost.signal,
        fencingToken: null,
        // One round trip on the connection that holds the lock proves the lock is still ours.
        confirm: async () => {
          await tx.query("-- name: ConfirmReconciliationLock\nSELECT 1").catch((error: unknown) => {
            lost.abort(error);
            throw error;
          });
        },
      };
      // The transaction (and with it the lock) stays open until `work` settles. A rejection of
      // `work` must come out of here unchanged: the reconciler reports it.
      return { acquired: true, value: await work(lease) };
    });
  }

  async isPaused(): Promise<PauseState> {
    const { rows } = await this.pool.query<{ global: boolean; preset_ids: string[] }>(
      "-- name: PrebuildsPause\nSELECT global, preset_ids FROM prebuilds_settings",
    );
    return { global: rows[0]?.global ?? false, presetIds: rows[0]?.preset_ids ?? [] };
  }

  /** Seven selects in one read-only REPEATABLE READ transaction: they all see the same instant. */
  loadSnapshot(context?: PortCallContext): Promise<StoreSnapshot> {
    const system = [this.systemUserId];
    return this.pool.transaction(
      async (tx) => {
        const presets = await tx.query<PresetRow>(
          `-- name: Presets
           SELECT p.id, p.name, t.organization_id, t.id AS template_id, p.template_version_id,
                  t.active_version_id = p.template_version_id AS using_active_version,
                  t.deleted AS template_deleted, t.deprecated AS template_deprecated,
                  p.desired_instances, p.ttl_seconds, p.last_invalidated_at, p.scheduling
           FROM presets p JOIN template_versions v ON v.id = p.template_version_id JOIN templates t ON t.id = v.template_id`,
        );
        const running = await tx.query<{ id: string; preset_id: string; created_at: Date; ready: boolean }>(
          `-- name: RunningPrebuilds
           SELECT w.id, w.preset_id, w.created_at, w.agents_ready AS ready
           FROM workspaces w JOIN latest_builds b ON b.workspace_id = w.id
           WHERE w.owner_id = $1 AND NOT w.deleted AND b.transition = 'start' AND b.job_status = 'succeeded'`,
          system,
        );
        const inProgress = await tx.query<{ preset_id: string; transition: "start" | "stop" | "delete"; count: number }>(
          `-- name: InProgressBuilds
           SELECT w.preset_id, b.transition, count(*)::int AS count
           FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id
           WHERE b.initiator_id = $1 AND b.job_status IN ('pending', 'running')
           GROUP BY w.preset_id, b.transition`,
          system,
        );
        const pending = await tx.query<{ preset_id: string; count: number }>(
          `-- name: PendingNonActiveCreates
           SELECT w.preset_id, count(*)::int AS count
           FROM workspace_builds b JOIN workspaces w ON w.id = b.workspace_id JOIN active_presets a ON a.id = w.preset_id
           WHERE b.initiator_id = $1 AND b.transition = 'start' AND b.job_status = 'pending' AND b.started_at IS NULL AND NOT a.active
           GROUP BY w.preset_id`,
          system,
        );
        const backoffs = await tx.query<{ preset_id: string; failed_builds: number; last_build_at: Date }>(
          `-- name: PresetBackoffs
           -- active presets whose latest finished create failed: the failures of the last hour
           SELECT preset_id, failed_builds, last_build_at FROM prebuild_backoffs($1, interval '1 hour')`,
          system,
        );
        const hardLimited = await tx.query<{ preset_id: string }>(
          `-- name: HardLimitedPresets
           -- active presets whose last 3 finished creates all failed
           SELECT preset_id FROM prebuild_hard_limited($1, 3)`,
          system,
        );
        const recorded = await tx.query<{ id: string; status: "hardLimited" | "validationFailed"; configuration_key: string | null }>(
          "-- name: RecordedStatuses\nSELECT id, prebuild_status AS status, failed_configuration_key AS configuration_key FROM presets WHERE prebuild_status <> 'normal'",
        );
        const events = await tx.query<{ preset_id: string; at: Date; outcome: "claimed" | "missed" }>(
          "-- name: RecentClaimEvents\nSELECT preset_id, at, outcome FROM prebuild_claim_events WHERE at > now() - interval '2 hours'",
        );
        return {
          presets: presets.rows.map((row): Preset => ({
            id: row.id,
            name: row.name,
            organizationId: row.organization_id,
            templateId: row.template_id,
            templateVersionId: row.template_version_id,
            usingActiveVersion: row.using_active_version,
            templateDeleted: row.template_deleted,
            templateDeprecated: row.template_deprecated,
            desiredInstances: row.desired_instances,
            ttlSeconds: row.ttl_seconds,
            lastInvalidatedAt: row.last_invalidated_at,
            scheduling: row.scheduling,
          })),
          running: running.rows.map((row) => ({ id: row.id, presetId: row.preset_id, createdAt: row.created_at, ready: row.ready })),
          inProgress: inProgress.rows.map((row) => ({ presetId: row.preset_id, transition: row.transition, count: row.count })),
          pendingNonActive: pending.rows.map((row) => ({ presetId: row.preset_id, count: row.count })),
          backoffs: backoffs.rows.map((row) => ({ presetId: row.preset_id, failedBuilds: row.failed_builds, lastBuildAt: row.last_build_at })),
          hardLimitedPresetIds: hardLimited.rows.map((row) => row.preset_id),
          recordedStatuses: recorded.rows.map((row) => ({ presetId: row.id, status: row.status, configurationKey: row.configuration_key })),
          claimEvents: events.rows.map((row) => ({ presetId: row.preset_id, at: row.at, outcome: row.outcome })),
        };
      },
      // The Reconciler's deadline reaches the database: an aborted signal cancels the transaction's query.
      { isolation: "repeatable read", readOnly: true, signal: context?.signal },
    );
  }

  async organizationsWithPrebuildStatus(): Promise<readonly OrganizationPrebuildStatus[]> {
    const { rows } = await this.pool.query<{ organization_id: string; is_member: boolean; group_exists: boolean; in_group: boolean }>(
      `-- name: OrganizationsWithPrebuildStatus
       SELECT o.id AS organization_id,
              EXISTS (SELECT 1 FROM organization_members m WHERE m.organization_id = o.id AND m.user_id = $1) AS is_member,
              g.id IS NOT NULL AS group_exists,
              EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id AND gm.user_id = $1) AS in_group
       FROM organizations o LEFT JOIN groups g ON g.organization_id = o.id AND g.name = 'prebuilds'
       WHERE EXISTS (SELECT 1 FROM templates t JOIN template_versions v ON v.template_id = t.id JOIN presets p ON p.template_version_id = v.id
                     WHERE t.organization_id = o.id)`,
      [this.systemUserId],
    );
    return rows.map((row) => ({
      organizationId: row.organization_id,
      systemUserIsMember: row.is_member,
      prebuildsGroupExists: row.group_exists,
      systemUserInGroup: row.in_group,
    }));
  }

  addSystemUserToOrganization(organizationId: string): Promise<void> {
    return insertOnce(() => this.pool.query("-- name: AddSystemUserToOrganization\nINSERT INTO organization_members (organization_id, user_id) VALUES ($1, $2)", [organizationId, this.systemUserId]));
  }

  createPrebuildsGroup(organizationId: string): Promise<void> {
    return insertOnce(() => this.pool.query("-- name: CreatePrebuildsGroup\nINSERT INTO groups (organization_id, name) VALUES ($1, 'prebuilds')", [organizationId]));
  }

  addSystemUserToPrebuildsGroup(organizationId: string): Promise<void> {
    return insertOnce(() =>
      this.pool.query(
        "-- name: AddSystemUserToPrebuildsGroup\nINSERT INTO group_members (group_id, user_id) SELECT id, $2 FROM groups WHERE organization_id = $1 AND name = 'prebuilds'",
        [organizationId, this.systemUserId],
      ),
    );
  }

  async setPresetStatus(change: PresetStatusChange): Promise<void> {
    await this.pool.query("-- name: SetPresetStatus\nUPDATE presets SET prebuild_status = $2, failed_configuration_key = $3 WHERE id = $1", [
      change.presetId,
      change.status,
      change.configurationKey,
    ]);
  }

  async presetsOfTemplateVersion(templateVersionId: string): Promise<readonly ParameterizedPreset[]> {
    const { rows } = await this.pool.query<{ id: string; parameters: Record<string, string> }>(
      "-- name: PresetsOfTemplateVersion\nSELECT id, parameters FROM presets WHERE template_version_id = $1",
      [templateVersionId],
    );
    return rows;
  }

  /**
   * One statement: the row lock (`FOR UPDATE SKIP LOCKED`) makes two concurrent claims take two
   * different prebuilds, the conditions repeat what the snapshot calls ready and unexpired at the
   * claim's instant, and the claim event ("claimed", or "missed" when nothing was claimable) is
   * recorded by the same statement, so it commits with the claim or not at all.
   */
  async claim(request: StoreClaimRequest, context?: PortCallContext): Promise<ClaimedWorkspace | null> {
    const { rows } = await this.pool.query<{ id: string; preset_name: string; template_id: string; organization_id: string; created_at: Date }>(
      `-- name: ClaimPrebuild
       WITH picked AS (
         SELECT c.id FROM claimable_prebuilds c
         WHERE c.preset_id = $1 AND c.owner_id = $7 AND c.ready AND c.preset_active
           AND (c.ttl_seconds IS NULL OR c.ttl_seconds = 0 OR c.created_at >= $6::timestamptz - make_interval(secs => c.ttl_seconds))
           AND (c.last_invalidated_at IS NULL OR c.created_at >= c.last_invalidated_at)
         ORDER BY c.created_at, c.id LIMIT 1 FOR UPDATE OF c SKIP LOCKED
       ), claimed AS (
         UPDATE workspaces w
         SET owner_id = $2, name = $3, autostart_schedule = $4, ttl_ms = $5, dormant_at = NULL, deleting_at = NULL
         FROM picked p, claimable_prebuilds c
         WHERE w.id = p.id AND c.id = p.id
         RETURNING w.id, c.preset_name, c.template_id, c.organization_id, w.created_at
       ), event AS (
         INSERT INTO prebuild_claim_events (preset_id, at, outcome)
         SELECT $1, $6, CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN 'claimed' ELSE 'missed' END
       )
       SELECT * FROM claimed`,
      [
        request.presetId,
        request.claimant.userId,
        request.claimant.workspaceName,
        request.lifecycle.autostartSchedule,
        request.lifecycle.ttlMs,
        request.now,
        this.systemUserId,
      ],
      { signal: context?.signal },
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      workspaceId: row.id,
      presetId: request.presetId,
      presetName: row.preset_name,
      templateId: row.template_id,
      organizationId: row.organization_id,
      ownerId: request.claimant.userId,
      workspaceName: request.claimant.workspaceName,
      createdAt: row.created_at,
      claimedAt: request.now,
    };
  }
}

// ── Provisioner ───────────────────────────────────────────────────────────────

export class HostProvisioner implements Provisioner {
  constructor(
    private readonly pool: SqlPool,
    private readonly builds: WorkspaceBuilds,
    private readonly systemUserId: string,
  ) {}

  /**
   * Returns once the builds are queued; the next snapshots count them as starting. The signal is
   * passed to every call and checked between them: past its deadline, nothing more is queued.
   */
  async createPrebuilds(preset: Preset, count: number, context?: FencedCallContext): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      context?.signal.throwIfAborted();
      await this.builds.createWorkspace(
        {
          ownerId: this.systemUserId,
          name: `prebuild-${preset.name}-${crypto.randomUUID().slice(0, 8)}`,
          templateVersionId: preset.templateVersionId,
          presetId: preset.id,
        },
        { signal: context?.signal },
      );
    }
  }

  /**
   * No template version here: the delete build uses the one the workspace was last built with.
   * A claim may have taken the workspace since the snapshot: then the call must fail, not delete it.
   */
  deletePrebuild(workspaceId: string, context?: FencedCallContext): Promise<void> {
    return this.builds.deleteWorkspace(workspaceId, this.systemUserId, this.systemUserId, { signal: context?.signal });
  }

  /** Cancels and orphan-deletes in one transaction, so no unstarted workspace is left behind. */
  cancelPendingAndOrphanDelete(presetId: string, context?: FencedCallContext): Promise<number> {
    return this.pool.transaction(async (tx) => {
      const { rows } = await tx.query<{ workspace_id: string }>(
        `-- name: CancelPendingCreates
         UPDATE workspace_builds b SET job_status = 'canceled', completed_at = now()
         FROM workspaces w
         WHERE w.id = b.workspace_id AND w.preset_id = $1 AND b.initiator_id = $2
           AND b.transition = 'start' AND b.job_status = 'pending' AND b.started_at IS NULL
         RETURNING b.workspace_id`,
        [presetId, this.systemUserId],
      );
      const ids = rows.map((row) => row.workspace_id);
      if (ids.length > 0) await tx.query("-- name: OrphanDeleteWorkspaces\nUPDATE workspaces SET deleted = true WHERE id = ANY($1)", [ids]);
      return ids.length;
    }, { signal: context?.signal });
  }
}

// ── Notifier ──────────────────────────────────────────────────────────────────

/** Mails the template's admins. Runs after the reconciliation lock is released, so it may use the pool. */
export class MailNotifier implements Notifier {
  constructor(
    private readonly pool: SqlPool,
    private readonly mailer: Mailer,
  ) {}

  private async admins(templateId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ email: string }>("-- name: TemplateAdmins\nSELECT email FROM template_admins WHERE template_id = $1", [templateId]);
    return rows.map((row) => row.email);
  }

  async hardLimitReached(preset: Preset): Promise<void> {
    await this.mailer.send({
      to: await this.admins(preset.templateId),
      subject: `Prebuilds of preset ${preset.name} stopped`,
      text: `The last prebuilds of preset ${preset.name} all failed to build. No more are created until the template version changes.`,
    });
  }

  async resourcesReplaced(claim: ClaimedWorkspace, replacements: readonly ResourceReplacement[]): Promise<void> {
    const lines = replacements.map((entry) => `- ${entry.resource} (changed: ${entry.paths.join(", ")})`);
    await this.mailer.send({
      to: await this.admins(claim.templateId),
      subject: `A claim of preset ${claim.presetName} replaced resources`,
      text: `Claiming workspace ${claim.workspaceName} rebuilt these resources, so the prebuild saved less time:\n${lines.join("\n")}`,
    });
  }
}

// ── Metrics ───────────────────────────────────────────────────────────────────

/** Maps each metric name to a series; the `Record` types make the compiler check that none is missing. */
export function prometheusMetrics(registry: MetricsRegistry): Metrics {
  const prefix = "prebuilt_workspaces_";
  const counters: Record<CounterName, ReturnType<MetricsRegistry["counter"]>> = {
    created: registry.counter(`${prefix}created_total`, "Prebuilds whose create build was queued."),
    failed: registry.counter(`${prefix}failed_total`, "Prebuilds whose create call the provisioner refused."),
    claimed: registry.counter(`${prefix}claimed_total`, "Prebuilds handed to a user."),
    missed: registry.counter(`${prefix}claim_misses_total`, "Workspace requests that found no prebuild to claim."),
    resourceReplacements: registry.counter(`${prefix}resource_replacements_total`, "Claims whose build replaced resources."),
  };
  const gauges: Record<GaugeName, ReturnType<MetricsRegistry["gauge"]>> = {
    desired: registry.gauge(`${prefix}desired`, "Prebuilds the preset wants now."),
    running: registry.gauge(`${prefix}running`, "Running prebuilds, expired ones included."),
    eligible: registry.gauge(`${prefix}eligible`, "Ready, unexpired prebuilds that can be claimed."),
    hardLimited: registry.gauge(`${prefix}preset_hard_limited`, "1 when the preset is hard-limited."),
    validationFailed: registry.gauge(`${prefix}preset_validation_failed`, "1 when the preset's configuration cannot build."),
    paused: registry.gauge(`${prefix}reconciliation_paused`, "1 when reconciliation is paused."),
    expressionFallback: registry.gauge(`${prefix}expression_fallback_presets`, "Presets whose target expression failed this cycle."),
    totalsRefreshedAt: registry.gauge(`${prefix}metrics_last_updated`, "Unix time of the last read of the build totals."),
  };
  const histograms: Record<HistogramName, ReturnType<MetricsRegistry["histogram"]>> = {
    reconciliationDuration: registry.histogram(`${prefix}reconciliation_duration_seconds`, "Duration of a cycle."),
    creationDuration: registry.histogram(`${prefix}creation_duration_seconds`, "Duration of a create call."),
    claimDuration: registry.histogram(`${prefix}claim_duration_seconds`, "Duration of a claim."),
  };
  const labelsOf = (labels: PresetLabels | null): Record<string, string> =>
    labels === null ? {} : { organization: labels.organizationId, template: labels.templateId, preset_id: labels.presetId, preset: labels.presetName };
  return {
    incrementCounter: (name, labels, by) => counters[name].inc(labelsOf(labels), by),
    setGauge: (name, labels, value) => gauges[name].set(labelsOf(labels), value),
    observeHistogram: (name, labels, seconds) => histograms[name].observe(labelsOf(labels), seconds),
  };
}

// ── Wiring ────────────────────────────────────────────────────────────────────

export interface HostDependencies {
  readonly pool: SqlPool;
  readonly builds: WorkspaceBuilds;
  readonly mailer: Mailer;
  readonly registry: MetricsRegistry;
  readonly systemUserId: string;
  /** The pool's size: a cycle reconciles half as many presets at once. */
  readonly maxDbConnections: number;
}

export function createReconciler(host: HostDependencies): Reconciler {
  return new Reconciler({
    store: new SqlStore(host.pool, host.systemUserId),
    provisioner: new HostProvisioner(host.pool, host.builds, host.systemUserId),
    notifier: new MailNotifier(host.pool, host.mailer),
    metrics: prometheusMetrics(host.registry),
    logger: jsonLineLogger(),
    systemUserId: host.systemUserId,
    maxDbConnections: host.maxDbConnections,
    policy: { backoffIntervalMs: 60_000, maxCreatesPerCycle: 20 },
  });
}

/** At startup: a cycle every 15 s at most, sooner when a schedule, expiry or backoff is due or a claim woke it. */
export function startPrebuilds(host: HostDependencies, shutdown: AbortSignal): Reconciler {
  const reconciler = createReconciler(host);
  reconciler.start({ intervalMs: 15_000, signal: shutdown });
  return reconciler;
}

// ── Request handlers ──────────────────────────────────────────────────────────

/** Creating a workspace: take a prebuild when one fits, otherwise build from scratch. */
export async function createWorkspace(
  reconciler: Reconciler,
  host: { readonly builds: WorkspaceBuilds; reinitializeAgents(workspaceId: string, ownerId: string): Promise<void> },
  request: { readonly userId: string; readonly name: string; readonly templateVersionId: string; readonly parameters: Readonly<Record<string, string>> },
): Promise<{ readonly workspaceId: string; readonly prebuilt: boolean }> {
  const result = await reconciler.claim({
    templateVersionId: request.templateVersionId,
    parameters: request.parameters,
    claimant: { userId: request.userId, workspaceName: request.name },
    templateDefaults: { autostartSchedule: null, allowUserAutostart: true, defaultTtlMs: 8 * 3_600_000, allowUserTtl: true, dormancyThresholdMs: null, dormancyAutoDeleteMs: null },
  });
  if (result.status === "claimed") {
    // The prebuild's agents still run as the system user: tell them who owns the workspace now.
    await host.reinitializeAgents(result.agentReinitialization.workspaceId, result.agentReinitialization.ownerId);
    return { workspaceId: result.workspace.workspaceId, prebuilt: true };
  }
  const { workspaceId } = await host.builds.createWorkspace({
    ownerId: request.userId,
    name: request.name,
    templateVersionId: request.templateVersionId,
    presetId: result.presetId, // the best-fitting preset, or null when none fits
  });
  return { workspaceId, prebuilt: false };
}

/** When the claim's first build finishes: report the resources its plan replaced instead of keeping. */
export function onClaimBuildFinished(reconciler: Reconciler, claim: ClaimedWorkspace, replaced: readonly ResourceReplacement[]): Promise<void> {
  return reconciler.trackResourceReplacement(claim, replaced);
}

/** DELETE /workspaces/:id — operators with `prebuilt_workspace.delete` may clean pools, not delete users' workspaces. */
export function mayDelete(permissions: readonly WorkspacePermission[], workspace: { readonly ownerId: string }, systemUserId: string): boolean {
  return canDeleteWorkspace(permissions, workspace, systemUserId);
}
// embedding end

// ── A fake host, to run the code above once ──────────────────────────────────

/** Answers each query by its `-- name:` comment with canned rows, and records the names in order. */
function fakePool(answers: Readonly<Record<string, readonly object[]>>, log: string[]): SqlPool {
  const client: SqlClient = {
    async query<Row extends object>(text: string) {
      const name = /^-- name: (\w+)/.exec(text.trimStart())?.[1] ?? "?";
      log.push(name);
      return { rows: [...(answers[name] ?? [])] as Row[] };
    },
  };
  return { ...client, transaction: (work) => work(client) };
}

const queries: string[] = [];
const presetRow: PresetRow = {
  id: "p-eu",
  name: "eu-dev",
  organization_id: "org-acme",
  template_id: "tpl",
  template_version_id: "tv-7",
  using_active_version: true,
  template_deleted: false,
  template_deprecated: false,
  desired_instances: 2,
  ttl_seconds: null,
  last_invalidated_at: null,
  scheduling: null,
};
const pool = fakePool(
  {
    TryReconciliationLock: [{ acquired: true }],
    PrebuildsPause: [{ global: false, preset_ids: [] }],
    OrganizationsWithPrebuildStatus: [{ organization_id: "org-acme", is_member: true, group_exists: false, in_group: false }],
    Presets: [presetRow],
    PresetsOfTemplateVersion: [{ id: "p-eu", parameters: { region: "eu" } }],
  },
  queries,
);
const builds: WorkspaceBuilds = {
  createWorkspace: async (request) => {
    console.log(`  builds.createWorkspace(owner ${request.ownerId}, version ${request.templateVersionId}, preset ${request.presetId})`);
    return { workspaceId: `ws-${request.ownerId}` };
  },
  deleteWorkspace: async () => {},
};
const reconciler = createReconciler({
  pool,
  builds,
  mailer: { send: async () => {} },
  registry: { counter: () => ({ inc: () => {} }), gauge: () => ({ set: () => {} }), histogram: () => ({ observe: () => {} }) },
  systemUserId: "prebuilds",
  maxDbConnections: 10,
});
console.log("One cycle:");
const stats = await reconciler.reconcileOnce();
console.log(`  queries: ${queries.join(", ")}`);
console.log(`  stats: ${JSON.stringify({ lockAcquired: stats.lockAcquired, presetsReconciled: stats.presetsReconciled, actions: stats.actions, errors: stats.errors })}`);

queries.length = 0;
console.log("A request for region=eu (no prebuild is ready in this fake):");
const created = await createWorkspace(reconciler, { builds, reinitializeAgents: async () => {} }, { userId: "ana", name: "dev", templateVersionId: "tv-7", parameters: { region: "eu" } });
console.log(`  queries: ${queries.join(", ")}`);
console.log(`  result: ${JSON.stringify(created)}`);
console.log(`May an operator with prebuilt_workspace.* delete a prebuild? ${mayDelete(["workspace.read", "prebuilt_workspace.update", "prebuilt_workspace.delete"], { ownerId: "prebuilds" }, "prebuilds")}`);
console.log(`May they delete ana's workspace? ${mayDelete(["workspace.read", "prebuilt_workspace.update", "prebuilt_workspace.delete"], { ownerId: "ana" }, "prebuilds")}`);
