/**
 * A Store over PostgreSQL (node-postgres), for control planes with several replicas: one
 * consistent snapshot transaction per cycle, an advisory lock so one replica reconciles at a
 * time, and claims that never hand the same prebuild out twice.
 */

import type { Pool, PoolClient } from "pg";
import type { ParameterizedPreset } from "../../core/claim.js";
import type { Clock, InProgressRow, PrebuildSchedule, Preset } from "../../core/types.js";
import { systemClock } from "../../ports/clock.js";
import type {
  ClaimedWorkspace,
  LockOutcome,
  OrganizationPrebuildStatus,
  PauseState,
  PresetStatusChange,
  ReconciliationLease,
  Store,
  StoreClaimRequest,
  StoreSnapshot,
} from "../../ports/store.js";
import * as sql from "./queries.js";

/** How the PostgreSQL store is set up. */
export interface PostgresStoreOptions {
  /** The connection pool. Size it so that `maxDbConnections` of the Reconciler matches it. */
  readonly pool: Pool;
  /** The user that owns prebuilds. */
  readonly systemUserId: string;
  /** Time for the backoff lookback (claims carry their own instant); default the system clock. */
  readonly clock?: Clock;
  /** Failed creates older than this do not count towards a backoff, in ms. Default one hour. */
  readonly backoffLookbackMs?: number;
  /** A preset whose last this-many creates all failed is hard-limited; 0 disables. Default 3. */
  readonly hardLimit?: number;
  /** The advisory lock key of the reconciliation lock, as a decimal bigint string. */
  readonly lockKey?: string;
  /** The name of each organization's prebuilds group. Default `prebuilds`. */
  readonly prebuildsGroupName?: string;
}

interface PresetRow {
  readonly id: string;
  readonly name: string;
  readonly organization_id: string;
  readonly template_id: string;
  readonly template_version_id: string;
  readonly using_active_version: boolean;
  readonly template_deleted: boolean;
  readonly template_deprecated: boolean;
  readonly desired_instances: number;
  readonly ttl_seconds: number | null;
  readonly last_invalidated_at: Date | null;
  readonly timezone: string | null;
  readonly prebuild_status: string;
  readonly schedules: PrebuildSchedule[];
}

function presetOf(row: PresetRow): Preset {
  const scheduling =
    row.timezone === null && row.schedules.length === 0 ? null : { timezone: row.timezone ?? "", schedules: row.schedules };
  return {
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
    scheduling,
  };
}

/**
 * The PostgreSQL {@link Store}. Run {@link migrate} first, or map your own schema onto the same
 * tables with views (docs/postgres.md).
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
 * await migrate(pool);
 * const store = new PostgresStore({ pool, systemUserId: "prebuilds" });
 * const reconciler = new Reconciler({ store, provisioner, systemUserId: "prebuilds", maxDbConnections: 10 });
 */
export class PostgresStore implements Store {
  private readonly pool: Pool;
  private readonly systemUserId: string;
  private readonly clock: Clock;
  private readonly lookbackMs: number;
  private readonly hardLimit: number;
  private readonly lockKey: string;
  private readonly groupName: string;

  constructor(options: PostgresStoreOptions) {
    this.pool = options.pool;
    this.systemUserId = options.systemUserId;
    this.clock = options.clock ?? systemClock;
    this.lookbackMs = options.backoffLookbackMs ?? 3_600_000;
    this.hardLimit = options.hardLimit ?? 3;
    this.lockKey = options.lockKey ?? "4208657209384716093";
    this.groupName = options.prebuildsGroupName ?? "prebuilds";
    if (!Number.isInteger(this.hardLimit) || this.hardLimit < 0) throw new RangeError(`hardLimit must be an integer ≥ 0, got ${this.hardLimit}`);
    if (!Number.isFinite(this.lookbackMs) || this.lookbackMs < 0) throw new RangeError(`backoffLookbackMs must be ≥ 0, got ${this.lookbackMs}`);
    if (!/^-?\d+$/.test(this.lockKey)) throw new RangeError(`lockKey must be a decimal bigint string, got ${this.lockKey}`);
    const poolSize = (this.pool as { options?: { max?: number } }).options?.max;
    if (typeof poolSize === "number" && poolSize < 2) {
      // The lock holds one connection for the whole cycle; the cycle's reads need another.
      throw new RangeError(`PostgresStore needs a pool of at least 2 connections, got max ${poolSize}`);
    }
  }

  /** Runs `work` in one transaction on one client; a client whose connection failed is destroyed. */
  private async transaction<T>(begin: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failure: unknown = undefined;
    // A connection that dies while checked out emits "error" on its client; unheard, that event
    // would crash the host process. The failing query rejects as well, so noting it is enough.
    const noteFailure = (error: Error) => {
      failure ??= error;
    };
    client.on("error", noteFailure);
    try {
      await client.query(begin);
      const value = await work(client);
      await client.query("COMMIT");
      return value;
    } catch (error) {
      failure ??= error;
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.off("error", noteFailure);
      client.release(failure instanceof Error && isConnectionError(failure) ? failure : undefined);
    }
  }

  async withReconciliationLock<T>(work: (lease: ReconciliationLease) => Promise<T>): Promise<LockOutcome<T>> {
    // The transaction-scoped lock lives as long as this client's transaction: the whole cycle.
    return this.transaction("BEGIN", async (client): Promise<LockOutcome<T>> => {
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock($1::bigint) AS locked", [this.lockKey]);
      if (rows[0]?.locked !== true) return { acquired: false };
      const lost = new AbortController();
      const onError = (error: Error) => lost.abort(error);
      client.on("error", onError);
      const lease: ReconciliationLease = {
        signal: lost.signal,
        fencingToken: null,
        confirm: async () => {
          if (lost.signal.aborted) throw lost.signal.reason;
          try {
            await client.query("SELECT 1");
          } catch (error) {
            lost.abort(error);
            throw error;
          }
        },
      };
      try {
        return { acquired: true, value: await work(lease) };
      } finally {
        client.off("error", onError);
      }
    });
  }

  async isPaused(): Promise<PauseState> {
    const { rows } = await this.pool.query<{ global: boolean | null; preset_ids: string[] }>(sql.SELECT_PAUSE);
    return { global: rows[0]?.global === true, presetIds: rows[0]?.preset_ids ?? [] };
  }

  async loadSnapshot(): Promise<StoreSnapshot> {
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", (client) => this.readSnapshot(client));
  }

  private async readSnapshot(client: PoolClient): Promise<StoreSnapshot> {
    const system = [this.systemUserId];
    const presets = await client.query<PresetRow>(sql.SELECT_PRESETS);
    const running = await client.query<{ id: string; preset_id: string; created_at: Date; ready: boolean }>(sql.SELECT_RUNNING, system);
    const inProgress = await client.query<{ preset_id: string; transition: InProgressRow["transition"]; count: number }>(sql.SELECT_IN_PROGRESS, system);
    const pending = await client.query<{ preset_id: string; count: number }>(sql.SELECT_PENDING_NON_ACTIVE, system);
    const backoffs = await client.query<{ preset_id: string; failed_builds: number; last_build_at: Date }>(sql.SELECT_BACKOFFS, [
      this.systemUserId,
      this.clock.now(),
      this.lookbackMs,
    ]);
    const hardLimited =
      this.hardLimit === 0 ? { rows: [] } : await client.query<{ preset_id: string }>(sql.SELECT_HARD_LIMITED, [this.systemUserId, this.hardLimit]);
    return {
      presets: presets.rows.map(presetOf),
      running: running.rows.map((row) => ({ id: row.id, presetId: row.preset_id, createdAt: row.created_at, ready: row.ready })),
      inProgress: inProgress.rows.map((row) => ({ presetId: row.preset_id, transition: row.transition, count: row.count })),
      pendingNonActive: pending.rows.map((row) => ({ presetId: row.preset_id, count: row.count })),
      backoffs: backoffs.rows.map((row) => ({ presetId: row.preset_id, failedBuilds: row.failed_builds, lastBuildAt: row.last_build_at })),
      hardLimitedPresetIds: hardLimited.rows.map((row) => row.preset_id),
      recordedStatuses: presets.rows
        .filter((row) => row.prebuild_status === "hard_limited")
        .map((row) => ({ presetId: row.id, status: "hardLimited", configurationKey: null })),
      claimEvents: [],
    };
  }

  async organizationsWithPrebuildStatus(): Promise<readonly OrganizationPrebuildStatus[]> {
    const { rows } = await this.pool.query<{ organization_id: string; member: boolean; group_exists: boolean; in_group: boolean }>(
      sql.SELECT_ORGANIZATIONS,
      [this.systemUserId, this.groupName],
    );
    return rows.map((row) => ({
      organizationId: row.organization_id,
      systemUserIsMember: row.member,
      prebuildsGroupExists: row.group_exists,
      systemUserInGroup: row.in_group,
    }));
  }

  async addSystemUserToOrganization(organizationId: string): Promise<void> {
    await this.pool.query(sql.INSERT_ORGANIZATION_MEMBER, [organizationId, this.systemUserId]);
  }

  async createPrebuildsGroup(organizationId: string): Promise<void> {
    await this.pool.query(sql.INSERT_GROUP, [organizationId, this.groupName]);
  }

  async addSystemUserToPrebuildsGroup(organizationId: string): Promise<void> {
    await this.pool.query(sql.INSERT_GROUP_MEMBER, [organizationId, this.groupName, this.systemUserId]);
  }

  async setPresetStatus(change: PresetStatusChange): Promise<void> {
    if (change.status === "validationFailed") throw new Error("PostgresStore does not record validationFailed yet");
    await this.pool.query(sql.UPDATE_PRESET_STATUS, [change.presetId, change.status === "hardLimited" ? "hard_limited" : "normal"]);
  }

  async presetsOfTemplateVersion(templateVersionId: string): Promise<readonly ParameterizedPreset[]> {
    const { rows } = await this.pool.query<{ id: string; parameters: Record<string, string> }>(sql.SELECT_PRESET_PARAMETERS, [templateVersionId]);
    return rows.map((row) => ({ id: row.id, parameters: row.parameters }));
  }

  async claim(request: StoreClaimRequest): Promise<ClaimedWorkspace | null> {
    return this.transaction("BEGIN", async (client) => {
      const { rows } = await client.query<{ id: string; preset_id: string; created_at: Date }>(sql.CLAIM, [
        this.systemUserId,
        request.presetId,
        request.claimant.userId,
        request.claimant.workspaceName,
        request.lifecycle.autostartSchedule,
        request.lifecycle.ttlMs,
        request.now,
      ]);
      const claimed = rows[0];
      if (claimed === undefined) return null;
      // Claims are the user's builds, not the system's: they never count as in-progress prebuilds.
      await client.query(sql.INSERT_CLAIM_BUILD, [claimed.id, request.now, request.claimant.userId]);
      const preset = await client.query<{ name: string; template_id: string; organization_id: string }>(sql.SELECT_CLAIMED_PRESET, [claimed.preset_id]);
      const presetRow = preset.rows[0];
      return {
        workspaceId: claimed.id,
        presetId: claimed.preset_id,
        presetName: presetRow?.name ?? "",
        templateId: presetRow?.template_id ?? "",
        organizationId: presetRow?.organization_id ?? "",
        ownerId: request.claimant.userId,
        workspaceName: request.claimant.workspaceName,
        createdAt: claimed.created_at,
        claimedAt: request.now,
      };
    });
  }
}

/** Whether an error means the connection itself is gone (it must be destroyed, not reused). */
function isConnectionError(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && (code.startsWith("08") || code === "57P01")) || /Connection terminated|ECONNRESET|EPIPE/i.test(error.message);
}
