/**
 * The chaos soak over a real PostgreSQL server (issue 10 §4): two replicas, each with its own pool
 * and PostgresStore, reconcile one database while the soak kills backends (the lock's among them),
 * hangs and fails provisioner calls, makes late calls, races claims against cycles and jumps the
 * clock. The provisioner writes to the same database and fences every write with the lease's token.
 * After every round: never more prebuilds than desired, never a claimed workspace deleted; after
 * the faults stop, the pools converge.
 */

import pg from "pg";
import { Reconciler, type Clock, type FencedCallContext, type Provisioner } from "../../src/index.js";
import { seededRandom } from "../../src/internal/random.js";
import { migrate, PostgresStore } from "../../src/postgres.js";
import { insertPreset, sqlProvisioner } from "../adapters/postgres/harness.js";

const SYSTEM = "prebuilds-soak";
const START = Date.parse("2025-06-02T09:00:00.000Z");

/** The faults the PostgreSQL soak injects. */
export const PG_FAULT_KINDS = ["killLockHolder", "killRandomBackend", "providerHang", "providerFailure", "providerLate", "claimRace", "clockJump"] as const;
export type PgFaultKind = (typeof PG_FAULT_KINDS)[number];

/** What a PostgreSQL soak measured. */
export interface PostgresSoakReport {
  readonly seed: number;
  readonly rounds: number;
  readonly cycles: number;
  readonly lockAcquisitions: number;
  readonly faults: Readonly<Record<PgFaultKind, number>>;
  readonly claims: { readonly served: number; readonly missed: number };
  /** Late writes the fencing refused: a replica that had lost the lock tried to act. */
  readonly fencedOut: number;
  readonly violations: { readonly overProvisioned: number; readonly claimedDeleted: number };
  readonly cyclesToConverge: number;
  readonly converged: boolean;
}

class SoakClock implements Clock {
  constructor(public nowMs: number) {}
  now(): Date {
    return new Date(this.nowMs);
  }
}

const PRESETS = [
  { id: "steady", desiredInstances: 3 },
  { id: "busy", desiredInstances: 5 },
  { id: "small", desiredInstances: 1 },
];

/** Runs one seeded PostgreSQL soak in a database of its own on the server at `url`. */
export async function runPostgresSoak(options: { readonly url: string; readonly seed: number; readonly rounds: number }): Promise<PostgresSoakReport> {
  const random = seededRandom(options.seed);
  const chance = (probability: number) => random() < probability;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const admin = new pg.Client({ connectionString: options.url });
  await admin.connect();
  const name = `prebuild_soak_${process.pid}_${options.seed}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(options.url);
  url.pathname = `/${name}`;
  const pools: pg.Pool[] = [];
  const newPool = (max: number) => {
    const pool = new pg.Pool({ connectionString: url.toString(), max, connectionTimeoutMillis: 2_000 });
    pool.on("error", () => {});
    pools.push(pool);
    return pool;
  };
  const main = newPool(6);
  const clock = new SoakClock(START);
  const faults = Object.fromEntries(PG_FAULT_KINDS.map((kind) => [kind, 0])) as Record<PgFaultKind, number>;
  const claims = { served: 0, missed: 0 };
  const violations = { overProvisioned: 0, claimedDeleted: 0 };
  let fencedOut = 0;
  let cycles = 0;
  let lockAcquisitions = 0;
  try {
    await migrate(main);
    for (const preset of PRESETS) {
      await insertPreset(main, {
        id: preset.id,
        name: preset.id,
        organizationId: "org",
        templateId: `template-${preset.id}`,
        templateVersionId: `version-${preset.id}`,
        usingActiveVersion: true,
        templateDeleted: false,
        templateDeprecated: false,
        desiredInstances: preset.desiredInstances,
        ttlSeconds: null,
        lastInvalidatedAt: null,
        scheduling: null,
      });
    }
    const writes = sqlProvisioner(main, SYSTEM, clock);
    let providerFault: "none" | "hang" | "fail" | "late" = "none";
    let releaseLate: (() => void)[] = [];
    const faulty: Provisioner = {
      async createPrebuilds(preset, count, context) {
        await gate(context, () => writes.createPrebuilds(preset, count, context));
      },
      async deletePrebuild(workspaceId, context) {
        await gate(context, () => writes.deletePrebuild(workspaceId, context));
      },
      cancelPendingAndOrphanDelete: (presetId, context) => writes.cancelPendingAndOrphanDelete(presetId, context),
    };
    async function gate(context: FencedCallContext | undefined, act: () => Promise<unknown>): Promise<void> {
      if (providerFault === "hang") return new Promise<void>(() => {});
      if (providerFault === "fail") throw new Error("build system unavailable");
      if (providerFault === "late") await new Promise<void>((resolve) => releaseLate.push(resolve));
      try {
        await act();
      } catch (error) {
        if ((error as { code?: unknown }).code === "PG_STALE_FENCING_TOKEN") fencedOut += 1;
        throw error;
      }
      void context;
    }
    const replicas = [0, 1].map(
      () =>
        new Reconciler({
          store: new PostgresStore({ pool: newPool(4), systemUserId: SYSTEM, clock }),
          provisioner: faulty,
          clock,
          systemUserId: SYSTEM,
          maxDbConnections: 4,
          timeouts: { storeMs: 2_000, provisionerMs: 150, notifierMs: 150, cycleMs: 5_000 },
          policy: { expectationTtlMs: 60_000 },
        }),
    );
    const running = async (presetId: string) =>
      Number((await main.query<{ count: string }>("SELECT count(*) FROM workspaces WHERE preset_id = $1 AND owner_id = $2 AND NOT deleted", [presetId, SYSTEM])).rows[0]?.count ?? 0);
    const check = async () => {
      for (const preset of PRESETS) violations.overProvisioned += Math.max(0, (await running(preset.id)) - preset.desiredInstances);
      const deleted = await main.query<{ count: string }>("SELECT count(*) FROM workspaces WHERE owner_id <> $1 AND deleted", [SYSTEM]);
      violations.claimedDeleted = Number(deleted.rows[0]?.count ?? 0);
    };
    const claimOne = async () => {
      const result = await replicas[0]?.claim({ presetId: pick(PRESETS).id, claimant: { userId: `user-${claims.served + claims.missed}`, workspaceName: "w" } }).catch(() => null);
      if (result?.status === "claimed") claims.served += 1;
      else claims.missed += 1;
    };
    const killBackends = async (lockHolderOnly: boolean) => {
      const where = lockHolderOnly ? "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)" : "usename IS NOT NULL";
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND ${where}`, [name]).catch(() => undefined);
    };
    const round = async (inject: boolean) => {
      clock.nowMs += 30_000;
      const extra: Promise<unknown>[] = [];
      if (inject && chance(0.5)) {
        const kind = pick(PG_FAULT_KINDS);
        faults[kind] += 1;
        if (kind === "killLockHolder" || kind === "killRandomBackend") extra.push(new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(random() * 20))).then(() => killBackends(kind === "killLockHolder")));
        else if (kind === "providerHang") providerFault = "hang";
        else if (kind === "providerFailure") providerFault = "fail";
        else if (kind === "providerLate") providerFault = "late";
        else if (kind === "claimRace") extra.push(claimOne(), claimOne());
        else clock.nowMs += chance(0.5) ? 3_600_000 : -60_000;
      } else if (chance(0.3)) providerFault = "none";
      if (inject && chance(0.3)) extra.push(claimOne());
      const stats = await Promise.all([...replicas.map((replica) => replica.reconcileOnce()), ...extra]);
      cycles += replicas.length;
      for (const entry of stats.slice(0, replicas.length)) if ((entry as { lockAcquired?: boolean }).lockAcquired === true) lockAcquisitions += 1;
      // Late calls are answered after the cycle gave up on them: their fenced writes must be refused.
      for (const release of releaseLate) release();
      releaseLate = [];
      await new Promise((resolve) => setTimeout(resolve, 20));
      await check();
    };
    for (let index = 0; index < options.rounds; index += 1) await round(true);
    providerFault = "none";
    let cyclesToConverge = 0;
    let converged = false;
    for (let index = 0; index < 20 && !converged; index += 1) {
      await round(false);
      cyclesToConverge += 1;
      const counts = await Promise.all(PRESETS.map((preset) => running(preset.id)));
      converged = counts.every((count, position) => count === PRESETS[position]?.desiredInstances);
    }
    await Promise.all(replicas.map((replica) => replica.stop()));
    return { seed: options.seed, rounds: options.rounds, cycles, lockAcquisitions, faults, claims, fencedOut, violations, cyclesToConverge, converged };
  } finally {
    await Promise.all(pools.map((pool) => pool.end().catch(() => undefined)));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

/** The report's figures as lines and a markdown table, for scripts/soak.ts. */
export function renderPostgresSoak(report: PostgresSoakReport): { readonly lines: readonly string[]; readonly table: string } {
  const faults = PG_FAULT_KINDS.map((kind) => `${kind} ${report.faults[kind]}`).join(", ");
  const v = report.violations;
  return {
    lines: [
      `PostgreSQL seed ${report.seed}: ${report.rounds} rounds, ${report.cycles} cycles (${report.lockAcquisitions} with the lock), faults: ${faults}; ` +
        `fenced out ${report.fencedOut}; violations over-provisioned ${v.overProvisioned}, claimed deleted ${v.claimedDeleted}; converged ${String(report.converged)} in ${report.cyclesToConverge} rounds`,
    ],
    table: [
      `${report.rounds} rounds of two replicas (each its own pool and \`PostgresStore\`) on one database, a cycle each per round, ${report.cycles} cycles in all, ${report.lockAcquisitions} of them holding the lock. The provisioner writes to the same database and fences each write with the lease's token.`,
      "",
      "| fault | injected |",
      "| --- | ---: |",
      ...PG_FAULT_KINDS.map((kind) => `| ${kind} | ${report.faults[kind]} |`),
      "",
      "| figure | value |",
      "| --- | ---: |",
      `| claims served / missed | ${report.claims.served} / ${report.claims.missed} |`,
      `| late writes refused by the fencing token | ${report.fencedOut} |`,
      `| prebuilds above the desired count, summed over rounds | ${v.overProvisioned} |`,
      `| claimed workspaces deleted | ${v.claimedDeleted} |`,
      `| rounds to converge after the faults stop | ${report.converged ? report.cyclesToConverge : `not within 20 (${report.cyclesToConverge})`} |`,
    ].join("\n"),
  };
}
