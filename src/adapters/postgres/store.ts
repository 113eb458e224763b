/**
 * A Store over PostgreSQL (node-postgres), for control planes with several replicas: one
 * consistent snapshot transaction per cycle, a session-level advisory lock with a lease and a
 * fencing token so that one replica reconciles at a time, claims in one statement that never
 * hand the same prebuild out twice, and a deadline on every call.
 */

import type { Pool, PoolClient } from "pg";
import type { ParameterizedPreset } from "../../core/claim.js";
import type { ClaimEvent, Clock, InProgressRow, PrebuildSchedule, Preset, RecordedPresetStatus } from "../../core/types/index.js";
import type { FencedCallContext, PortCallContext } from "../../ports/call.js";
import { systemClock } from "../../ports/clock.js";
import type {
  LockOutcome,
  OrganizationPrebuildStatus,
  PauseState,
  PresetBuildTotals,
  PresetStatusChange,
  ReconciliationLease,
  Store,
  StoreClaimRequest,
  StoreClaimResult,
  StoreSnapshot,
} from "../../ports/store.js";
import { instant, optionalMilliseconds, optionalText, record, text } from "./arguments.js";
import { abortReason, checkOut, isConnectionError, untilAborted } from "./connection.js";
import { PostgresArgumentError, ReconciliationLockLostError, UnknownMigrationError } from "./errors.js";
import { assertFencingToken, LockHolding } from "./lock.js";
import { refuseNewerSchema } from "./migrate.js";
import * as sql from "./queries.js";

/** The default `statementTimeoutMs`: ten seconds, far above what any statement of the store takes at 10k presets. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;

/** How far back the snapshot reads claim events: the longest demand window, 120 minutes. */
export const CLAIM_EVENT_WINDOW_MS = 120 * 60_000;

/**
 * Claim events older than this (before a claim's instant) may be pruned: the 120-minute window
 * plus an hour, so that a replica whose clock runs up to an hour ahead never prunes an event
 * that another replica's snapshot still reads.
 */
export const CLAIM_EVENT_RETENTION_MS = 180 * 60_000;

/** How the PostgreSQL store is set up. */
export interface PostgresStoreOptions {
  /**
   * The connection pool (at least 2 connections: the lock holds one for the whole cycle). Give it
   * a `connectionTimeoutMillis`, so that a checkout without a deadline of its own cannot wait
   * forever when the host holds every connection.
   */
  readonly pool: Pool;
  /** The user that owns prebuilds. */
  readonly systemUserId: string;
  /** Time for the backoff lookback and the claim-event window (claims carry their own instant); default the system clock. */
  readonly clock?: Clock;
  /** Failed creates older than this do not count towards a backoff, in ms. Default one hour. */
  readonly backoffLookbackMs?: number;
  /** A preset whose last this-many creates all failed is hard-limited; 0 disables. Default 3. */
  readonly hardLimit?: number;
  /** The advisory lock key of the reconciliation lock, as a decimal bigint string. */
  readonly lockKey?: string;
  /** The name of each organization's prebuilds group. Default `prebuilds`. */
  readonly prebuildsGroupName?: string;
  /**
   * `SET LOCAL statement_timeout` of every transaction the store runs, in ms, so that a stuck
   * snapshot or claim ends on the server even when nobody aborts it; also the deadline of a lock
   * confirmation. Default {@link DEFAULT_STATEMENT_TIMEOUT_MS}; 0 leaves the server's setting alone.
   */
  readonly statementTimeoutMs?: number;
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
  readonly failed_configuration_key: string | null;
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

/** The recorded status of a row, or `null` for normal (and for values this version does not know). */
function recordedStatusOf(row: PresetRow): RecordedPresetStatus | null {
  if (row.prebuild_status === "hard_limited") return { presetId: row.id, status: "hardLimited", configurationKey: null };
  if (row.prebuild_status === "validation_failed") return { presetId: row.id, status: "validationFailed", configurationKey: row.failed_configuration_key };
  return null;
}

const STATUS_COLUMN = { normal: "normal", hardLimited: "hard_limited", validationFailed: "validation_failed" } as const;

const preparedNames = new Map<string, string>();

/**
 * A statement with a name, so that each connection plans it once and reuses the plan: planning
 * the claim costs about twice what running it does. The name carries a hash of the text, so a
 * changed statement never reuses an old name on a connection.
 */
function prepared(name: string, text: string, values: unknown[]): { name: string; text: string; values: unknown[] } {
  let fullName = preparedNames.get(text);
  if (fullName === undefined) {
    fullName = `prebuild_reconciler_${name}_${fingerprint(text)}`;
    preparedNames.set(text, fullName);
  }
  return { name: fullName, text, values };
}

/** A short hash (FNV-1a) of a statement's text. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return (hash >>> 0).toString(36);
}

/**
 * The PostgreSQL {@link Store}. Run {@link migrate} first, or map your own schema onto the same
 * tables with views (docs/postgres.md).
 *
 * @example
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, connectionTimeoutMillis: 5_000 });
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
  private readonly statementTimeoutMs: number;
  /** The check that the database is not newer than this version: run once, on first use. */
  private schemaCheck: Promise<void> | null = null;

  constructor(options: PostgresStoreOptions) {
    this.pool = options.pool;
    this.systemUserId = text(options.systemUserId, "options.systemUserId");
    this.clock = options.clock ?? systemClock;
    this.lookbackMs = options.backoffLookbackMs ?? 3_600_000;
    this.hardLimit = options.hardLimit ?? 3;
    this.lockKey = options.lockKey ?? "4208657209384716093";
    this.groupName = text(options.prebuildsGroupName ?? "prebuilds", "options.prebuildsGroupName");
    this.statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    if (!Number.isInteger(this.hardLimit) || this.hardLimit < 0) throw new RangeError(`hardLimit must be an integer ≥ 0, got ${this.hardLimit}`);
    if (!Number.isFinite(this.lookbackMs) || this.lookbackMs < 0) throw new RangeError(`backoffLookbackMs must be ≥ 0, got ${this.lookbackMs}`);
    if (!/^-?\d{1,19}$/.test(this.lockKey) || BigInt(this.lockKey) !== BigInt.asIntN(64, BigInt(this.lockKey))) {
      throw new RangeError(`lockKey must be a decimal bigint string, got ${this.lockKey}`);
    }
    if (!Number.isInteger(this.statementTimeoutMs) || this.statementTimeoutMs < 0 || this.statementTimeoutMs > 2_147_483_647) {
      throw new RangeError(`statementTimeoutMs must be an integer from 0 to 2147483647, got ${this.statementTimeoutMs}`);
    }
    const poolSize = (this.pool as { options?: { max?: number } }).options?.max;
    if (typeof poolSize === "number" && poolSize < 2) {
      // The lock holds one connection for the whole cycle; the cycle's reads need another.
      throw new RangeError(`PostgresStore needs a pool of at least 2 connections, got max ${poolSize}`);
    }
  }

  /** Refuses a database migrated by a newer version, once; a failure other than that is retried on the next call. */
  private schemaChecked(signal: AbortSignal | undefined): Promise<void> {
    if (this.schemaCheck === null) {
      const check = (async () => {
        const checkout = await checkOut(this.pool, undefined);
        try {
          await refuseNewerSchema(checkout.client);
        } catch (error) {
          if (isConnectionError(error)) checkout.noteFailure(error as Error);
          throw error;
        } finally {
          checkout.release();
        }
      })();
      this.schemaCheck = check;
      check.catch((error: unknown) => {
        if (!(error instanceof UnknownMigrationError) && this.schemaCheck === check) this.schemaCheck = null;
      });
    }
    return untilAborted(this.schemaCheck, signal);
  }

  /** The statements that open a transaction of the store: its isolation, its statement timeout, no JIT. */
  private begin(isolation: string): string {
    // JIT compilation costs more (up to 0.3 s per statement, measured) than these short statements run.
    const timeout = this.statementTimeoutMs > 0 ? `; SET LOCAL statement_timeout = ${this.statementTimeoutMs}` : "";
    return `${isolation}${timeout}; SET LOCAL jit = off`;
  }

  /**
   * Runs `work` in one transaction on one checked-out client. When `context.signal` aborts, the
   * client is closed at once (PostgreSQL rolls the transaction back and ends the statement in
   * flight when it notices) and the call rejects with the signal's reason: cancelling from
   * another connection would need a second connection, which a pool the host exhausted cannot
   * give. A fencing token, when given, is checked inside the transaction before `work`.
   */
  private async transaction<T>(isolation: string, context: FencedCallContext | PortCallContext | undefined, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const signal = context?.signal;
    await this.schemaChecked(signal);
    const checkout = await checkOut(this.pool, signal);
    const { client } = checkout;
    const onAbort = () => checkout.release(abortReason(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    // Aborted between the checkout and the line above: close now, before anything runs on it.
    if (signal?.aborted === true) onAbort();
    const fencingToken = context !== undefined && "fencingToken" in context ? context.fencingToken : null;
    try {
      return await untilAborted(
        (async () => {
          await client.query(this.begin(isolation));
          if (fencingToken !== null) await assertFencingToken(client, fencingToken);
          const value = await work(client);
          await client.query("COMMIT");
          return value;
        })(),
        signal,
      );
    } catch (error) {
      if (isConnectionError(error)) checkout.noteFailure(error as Error);
      if (!checkout.released && checkout.failed === null) {
        await client.query("ROLLBACK").catch((rollbackError: unknown) => checkout.release(rollbackError));
      }
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      checkout.release();
    }
  }

  async withReconciliationLock<T>(work: (lease: ReconciliationLease) => Promise<T>, context?: PortCallContext): Promise<LockOutcome<T>> {
    const signal = context?.signal;
    await this.schemaChecked(signal);
    const holding = await LockHolding.acquire({ pool: this.pool, lockKey: this.lockKey, statementTimeoutMs: this.statementTimeoutMs }, signal);
    if (holding === null) return { acquired: false };
    // When the caller gives up (the cycle's deadline, a stop), the lease ends and the connection
    // closes, which releases the lock at once; the call settles without waiting for `work`.
    const onAbort = () => holding.lose(abortReason(signal as AbortSignal));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted === true) onAbort();
    try {
      const value = await untilAborted(
        (async () => {
          if (signal?.aborted === true) throw abortReason(signal);
          const result = await work(holding.lease);
          if (holding.lostBecause !== null) throw new ReconciliationLockLostError(holding.lostBecause);
          return result;
        })(),
        signal,
      );
      return { acquired: true, value };
    } finally {
      // Still listening: an abort during the release closes the connection, which ends the unlock.
      await holding.release();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async isPaused(context?: PortCallContext): Promise<PauseState> {
    return this.transaction("BEGIN", context, async (client) => {
      const { rows } = await client.query<{ global: boolean | null; preset_ids: string[] }>(sql.SELECT_PAUSE);
      return { global: rows[0]?.global === true, presetIds: rows[0]?.preset_ids ?? [] };
    });
  }

  async loadSnapshot(context?: PortCallContext): Promise<StoreSnapshot> {
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", context, (client) => this.readSnapshot(client));
  }

  private async readSnapshot(client: PoolClient): Promise<StoreSnapshot> {
    const system = [this.systemUserId];
    const now = this.clock.now();
    const presets = await client.query<PresetRow>(prepared("presets", sql.SELECT_PRESETS, []));
    const running = await client.query<{ id: string; preset_id: string; created_at: Date; ready: boolean }>(prepared("running", sql.SELECT_RUNNING, system));
    const inProgress = await client.query<{ preset_id: string; transition: InProgressRow["transition"]; count: number }>(prepared("in_progress", sql.SELECT_IN_PROGRESS, system));
    const pending = await client.query<{ preset_id: string; count: number }>(prepared("pending", sql.SELECT_PENDING_NON_ACTIVE, system));
    const failures = await client.query<{ preset_id: string; recent_failures: number; statuses: string[]; last_build_at: Date }>(
      prepared("failures", sql.SELECT_FAILURES, [this.systemUserId, now, this.lookbackMs, this.hardLimit, Math.max(this.hardLimit, 1)]),
    );
    const events = await client.query<{ preset_id: string; at: Date; outcome: ClaimEvent["outcome"] }>(prepared("claim_events", sql.SELECT_CLAIM_EVENTS, [now, CLAIM_EVENT_WINDOW_MS]));
    const backoffs = failures.rows.filter((row) => row.statuses[0] === "failed" && row.recent_failures > 0);
    const hardLimited = failures.rows.filter((row) => this.hardLimit > 0 && row.statuses.length === this.hardLimit && row.statuses.every((status) => status === "failed"));
    return {
      presets: presets.rows.map(presetOf),
      running: running.rows.map((row) => ({ id: row.id, presetId: row.preset_id, createdAt: row.created_at, ready: row.ready })),
      inProgress: inProgress.rows.map((row) => ({ presetId: row.preset_id, transition: row.transition, count: row.count })),
      pendingNonActive: pending.rows.map((row) => ({ presetId: row.preset_id, count: row.count })),
      backoffs: backoffs.map((row) => ({ presetId: row.preset_id, failedBuilds: row.recent_failures, lastBuildAt: row.last_build_at })),
      hardLimitedPresetIds: hardLimited.map((row) => row.preset_id),
      recordedStatuses: presets.rows.flatMap((row) => recordedStatusOf(row) ?? []),
      claimEvents: events.rows.map((row) => ({ presetId: row.preset_id, at: row.at, outcome: row.outcome })),
    };
  }

  async organizationsWithPrebuildStatus(context?: PortCallContext): Promise<readonly OrganizationPrebuildStatus[]> {
    return this.transaction("BEGIN", context, async (client) => {
      const { rows } = await client.query<{ organization_id: string; member: boolean; group_exists: boolean; in_group: boolean }>(sql.SELECT_ORGANIZATIONS, [
        this.systemUserId,
        this.groupName,
      ]);
      return rows.map((row) => ({
        organizationId: row.organization_id,
        systemUserIsMember: row.member,
        prebuildsGroupExists: row.group_exists,
        systemUserInGroup: row.in_group,
      }));
    });
  }

  async addSystemUserToOrganization(organizationId: string, context?: FencedCallContext): Promise<void> {
    const values = [text(organizationId, "organizationId"), this.systemUserId];
    await this.transaction("BEGIN", context, (client) => client.query(sql.INSERT_ORGANIZATION_MEMBER, values));
  }

  async createPrebuildsGroup(organizationId: string, context?: FencedCallContext): Promise<void> {
    const values = [text(organizationId, "organizationId"), this.groupName];
    await this.transaction("BEGIN", context, (client) => client.query(sql.INSERT_GROUP, values));
  }

  async addSystemUserToPrebuildsGroup(organizationId: string, context?: FencedCallContext): Promise<void> {
    const values = [text(organizationId, "organizationId"), this.groupName, this.systemUserId];
    await this.transaction("BEGIN", context, (client) => client.query(sql.INSERT_GROUP_MEMBER, values));
  }

  async setPresetStatus(change: PresetStatusChange, context?: FencedCallContext): Promise<void> {
    const fields = record(change, "change");
    const presetId = text(fields["presetId"], "change.presetId");
    const status = fields["status"];
    if (status !== "normal" && status !== "hardLimited" && status !== "validationFailed") {
      throw new PostgresArgumentError("change.status", `must be "normal", "hardLimited" or "validationFailed", got ${JSON.stringify(status) ?? typeof status}`);
    }
    const configurationKey = optionalText(fields["configurationKey"] ?? null, "change.configurationKey");
    // Only a validation failure is tied to a configuration; the other statuses record none.
    const values = [presetId, STATUS_COLUMN[status], status === "validationFailed" ? configurationKey : null];
    await this.transaction("BEGIN", context, (client) => client.query(sql.UPDATE_PRESET_STATUS, values));
  }

  /**
   * Every preset's all-time totals of create builds that succeeded and failed and of claimed
   * prebuilds, for the `created`, `failed` and `claimed` counters (the Reconciler reads them on a
   * timer of its own, outside cycles and the lock).
   */
  async loadBuildTotals(context?: PortCallContext): Promise<readonly PresetBuildTotals[]> {
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", context, async (client) => {
      const { rows } = await client.query<{ preset_id: string; preset_name: string; organization_id: string; template_id: string; created: number; failed: number; claimed: number }>(
        prepared("build-totals", sql.SELECT_BUILD_TOTALS, [this.systemUserId]),
      );
      return rows.map((row) => ({
        presetId: row.preset_id,
        presetName: row.preset_name,
        organizationId: row.organization_id,
        templateId: row.template_id,
        created: row.created,
        failed: row.failed,
        claimed: row.claimed,
      }));
    });
  }

  async presetsOfTemplateVersion(templateVersionId: string, context?: PortCallContext): Promise<readonly ParameterizedPreset[]> {
    const values = [text(templateVersionId, "templateVersionId")];
    return this.transaction("BEGIN", context, async (client) => {
      const { rows } = await client.query<{ id: string; parameters: Record<string, string> }>(prepared("parameters", sql.SELECT_PRESET_PARAMETERS, values));
      return rows.map((row) => ({ id: row.id, parameters: row.parameters }));
    });
  }

  async claim(request: StoreClaimRequest, context?: PortCallContext): Promise<StoreClaimResult> {
    const fields = record(request, "request");
    const claimant = record(fields["claimant"], "request.claimant");
    const lifecycle = record(fields["lifecycle"], "request.lifecycle");
    const now = instant(fields["now"], "request.now");
    const values = [
      this.systemUserId,
      text(fields["presetId"], "request.presetId"),
      text(claimant["userId"], "request.claimant.userId"),
      text(claimant["workspaceName"], "request.claimant.workspaceName"),
      optionalText(lifecycle["autostartSchedule"] ?? null, "request.lifecycle.autostartSchedule"),
      optionalMilliseconds(lifecycle["ttlMs"] ?? null, "request.lifecycle.ttlMs"),
      now,
      CLAIM_EVENT_RETENTION_MS,
    ];
    return this.transaction("BEGIN", context, async (client) => {
      const { rows } = await client.query<{ id: string; preset_id: string; created_at: Date; name: string; template_id: string; organization_id: string }>(
        prepared("claim", sql.CLAIM, values),
      );
      const claimed = rows[0];
      if (claimed === undefined) return null;
      return {
        workspaceId: claimed.id,
        presetId: claimed.preset_id,
        presetName: claimed.name,
        templateId: claimed.template_id,
        organizationId: claimed.organization_id,
        ownerId: values[2] as string,
        workspaceName: values[3] as string,
        createdAt: claimed.created_at,
        claimedAt: now,
      };
    });
  }
}
