/**
 * Everything issue 9 asks to measure, on one seeded database: the floor read, loadSnapshot (total
 * and per statement), a steady-state Reconciler cycle, a lone claim, and claims under 32-way
 * concurrency.
 */

import pg from "pg";
import { Reconciler, type Provisioner, type Store } from "../../src/index.js";
import { PostgresStore } from "../../src/postgres.js";
import { ManualClock } from "../../src/testing.js";
import { percentile, repeat, StatementTimer } from "./measure.js";
import { NOW, presetId, seedDatabase, SYSTEM_USER, type SeedShape } from "./seed.js";

/** How much to run at one size. */
export interface SizeOptions {
  readonly presets: number;
  readonly serverUrl: string;
  /** Timed repetitions of the floor, the snapshot and the cycle (at least). */
  readonly runs: number;
  readonly loneClaims: number;
  readonly claimers: number;
  readonly concurrentClaims: number;
  /** How many times the concurrent claims run, each on presets of its own. */
  readonly rounds: number;
  /** `pg.Pool` max of the pool the concurrent claimers share. */
  readonly claimPool: number;
  /** Print EXPLAIN (ANALYZE, BUFFERS) of every snapshot statement. */
  readonly explain: boolean;
  readonly log: (line: string) => void;
}

/** A statement's median time inside loadSnapshot. */
export interface StatementFigure {
  readonly name: string;
  readonly medianMs: number;
}

/** The figures of one size. */
export interface SizeResult {
  readonly shape: SeedShape;
  readonly seedSeconds: number;
  readonly floorMs: readonly number[];
  readonly snapshotMs: readonly number[];
  readonly statements: readonly StatementFigure[];
  readonly cycleMs: readonly number[];
  /** Each cycle's time less its own loadSnapshot: planCycle, the pause and membership reads, the lock. */
  readonly cycleWithoutSnapshotMs: readonly number[];
  readonly cycle: { readonly snapshotTransactions: number; readonly writes: number; readonly statements: number; readonly provisionerCalls: number; readonly errors: number };
  readonly loneClaimMs: readonly number[];
  readonly concurrent: {
    readonly claimers: number;
    readonly claims: number;
    readonly poolSize: number;
    readonly latencyMs: readonly number[];
    readonly poolWaitMs: readonly number[];
    readonly wallMs: number;
    readonly served: number;
    readonly distinct: number;
    readonly unavailable: number;
    readonly ownedAfter: number;
  };
}

const LIFECYCLE = { autostartSchedule: null, ttlMs: null, dormantAt: null, deletingAt: null } as const;

function pool(url: string, max: number): pg.Pool {
  const created = new pg.Pool({ connectionString: url, max });
  created.on("error", () => {});
  return created;
}

/** Seeds a database of `options.presets` presets, measures it, and drops it. */
export async function measureSize(options: SizeOptions): Promise<SizeResult> {
  const { log } = options;
  log(`seeding ${options.presets.toLocaleString("en-US")} presets`);
  const database = await seedDatabase(options.serverUrl, options.presets);
  log(`  seeded in ${database.seedSeconds.toFixed(1)} s: ${JSON.stringify(database.shape)}`);
  const timer = new StatementTimer();
  const readers = pool(database.url, 10);
  timer.attach(readers);
  const clock = new ManualClock(NOW);
  const store = new PostgresStore({ pool: readers, systemUserId: SYSTEM_USER, clock });
  const budget = { warmup: 1, minRuns: options.runs, maxRuns: options.runs * 4, budgetMs: 20_000 };
  try {
    log("  floor: the prebuild rows and the preset rows, plainly");
    const floorMs = await repeat(async () => {
      const client = await readers.connect();
      try {
        await client.query("SELECT id, preset_id, created_at, ready FROM workspaces WHERE owner_id = $1", [SYSTEM_USER]);
        await client.query("SELECT * FROM presets");
      } finally {
        client.release();
      }
    }, budget);

    log("  loadSnapshot");
    // Once untimed: the store's first use also checks the schema version.
    await store.loadSnapshot();
    const perStatement = new Map<string, number[]>();
    let rowCounts = new Map<string, number>();
    const snapshotMs = await repeat(async () => {
      timer.reset();
      const snapshot = await store.loadSnapshot();
      rowCounts = new Map([
        ["presets", snapshot.presets.length],
        ["running", snapshot.running.length],
        ["inProgress", snapshot.inProgress.length],
        ["backoffs", snapshot.backoffs.length],
        ["hardLimited", snapshot.hardLimitedPresetIds.length],
      ]);
      for (const [name, list] of timer.durations) {
        perStatement.set(name, [...(perStatement.get(name) ?? []), ...list]);
      }
    }, { ...budget, warmup: 0 });
    log(`    rows: ${JSON.stringify(Object.fromEntries(rowCounts))}`);
    if (options.explain) await explainSnapshot(readers, store, timer, log);
    const statements = [...perStatement].map(([name, ms]) => ({ name, medianMs: percentile(ms, 50) }));

    log("  a steady-state Reconciler cycle");
    let provisionerCalls = 0;
    const provisioner: Provisioner = {
      async createPrebuilds() {
        provisionerCalls += 1;
      },
      async deletePrebuild() {
        provisionerCalls += 1;
      },
      async cancelPendingAndOrphanDelete() {
        provisionerCalls += 1;
        return 0;
      },
    };
    // The same store, with its loadSnapshot timed inside the cycle.
    const snapshotInCycleMs: number[] = [];
    const timedStore: Store = new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== "loadSnapshot" || typeof value !== "function") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const started = performance.now();
          try {
            return await (value as (...inner: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            snapshotInCycleMs.push(performance.now() - started);
          }
        };
      },
    });
    const reconciler = new Reconciler({ store: timedStore, provisioner, clock, systemUserId: SYSTEM_USER, maxDbConnections: 10 });
    // The first cycles record the hard-limited presets' status; from then on the cycle is steady.
    await reconciler.reconcileOnce();
    provisionerCalls = 0;
    snapshotInCycleMs.length = 0;
    let errors = 0;
    let lastCycleTexts: string[] = [];
    const cycleMs = await repeat(async () => {
      timer.reset();
      const stats = await reconciler.reconcileOnce();
      errors += stats.errors;
      lastCycleTexts = timer.statements.map((statement) => statement.text);
    }, budget);
    const cycleWithoutSnapshotMs = cycleMs.map((total, index) => total - (snapshotInCycleMs[index] ?? 0));
    const cycle = {
      snapshotTransactions: lastCycleTexts.filter((text) => text.startsWith("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")).length,
      writes: lastCycleTexts.filter((text) => /^\s*(INSERT|UPDATE|DELETE)\b/i.test(text)).length,
      statements: lastCycleTexts.length,
      provisionerCalls,
      errors,
    };

    log("  lone claims");
    const loneClaimMs: number[] = [];
    for (let index = 0; index < options.loneClaims + 10; index += 1) {
      const target = presetId(options.presets - index);
      const started = performance.now();
      const claimed = await store.claim({ presetId: target, claimant: { userId: `lone-${index}`, workspaceName: `lone-${index}` }, lifecycle: LIFECYCLE, now: NOW });
      const elapsed = performance.now() - started;
      if (claimed === null) throw new Error(`lone claim ${index} of ${target} found no prebuild`);
      if (index >= 10) loneClaimMs.push(elapsed);
    }

    const concurrent = await concurrentClaims(database.url, options);
    return { shape: database.shape, seedSeconds: database.seedSeconds, floorMs, snapshotMs, statements, cycleMs, cycleWithoutSnapshotMs, cycle, loneClaimMs, concurrent };
  } finally {
    await readers.end();
    await database.drop();
  }
}

/**
 * `claimers` workers share `concurrentClaims` claims of 64 presets (10 ready prebuilds each, so
 * 640 claims take every one of them) through one pool, as many web requests of one replica would;
 * `rounds` times, each round on presets of its own, after an untimed warm-up round.
 */
async function concurrentClaims(url: string, options: SizeOptions): Promise<SizeResult["concurrent"]> {
  options.log(`  ${options.concurrentClaims} claims by ${options.claimers} concurrent claimers, pool max ${options.claimPool}`);
  const claimPool = pool(url, options.claimPool);
  const poolWaitMs: number[] = [];
  const connect = claimPool.connect.bind(claimPool) as (...args: unknown[]) => Promise<pg.PoolClient>;
  // Both forms are timed: the store checks clients out with a callback (so that a client is heard
  // from its first tick), and pool.query() connects with one too.
  (claimPool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    const started = performance.now();
    const callback = args[0];
    if (typeof callback === "function") {
      return connect((error: unknown, ...rest: unknown[]) => {
        if (error === undefined || error === null) poolWaitMs.push(performance.now() - started);
        return (callback as (...callbackArgs: unknown[]) => unknown)(error, ...rest);
      });
    }
    return connect().then((client) => {
      poolWaitMs.push(performance.now() - started);
      return client;
    });
  };
  const store = new PostgresStore({ pool: claimPool, systemUserId: SYSTEM_USER, clock: new ManualClock(NOW) });
  try {
    // Open the pool's connections first, so that connecting is not timed.
    const warm = await Promise.all(Array.from({ length: options.claimPool }, () => connect()));
    for (const client of warm) client.release();
    poolWaitMs.length = 0;
    const hotPresets = Math.ceil(options.concurrentClaims / 10);
    // An untimed round first, on other presets: the claim path of node-postgres and of this
    // process is then compiled and warm, as in a server that has been up for a while.
    let warmup = 0;
    await Promise.all(
      Array.from({ length: options.claimers }, async () => {
        while (warmup < options.claimers * 4) {
          const job = warmup;
          warmup += 1;
          await store.claim({
            presetId: presetId(1 + (job % options.claimers)),
            claimant: { userId: `warmup-${job}`, workspaceName: `warmup-${job}` },
            lifecycle: LIFECYCLE,
            now: NOW,
          });
        }
      }),
    );
    poolWaitMs.length = 0;
    const latencyMs: number[] = [];
    const won: string[] = [];
    let unavailable = 0;
    let wallMs = 0;
    // Each round takes every prebuild of its own hot presets; the percentiles pool every round.
    for (let round = 0; round < options.rounds; round += 1) {
      const firstPreset = options.claimers + 1 + round * hotPresets;
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: options.claimers }, async () => {
          while (next < options.concurrentClaims) {
            const job = next;
            next += 1;
            const begin = performance.now();
            const claimed = await store.claim({
              presetId: presetId(firstPreset + (job % hotPresets)),
              claimant: { userId: `claimer-${round}-${job}`, workspaceName: `claimed-${job}` },
              lifecycle: LIFECYCLE,
              now: NOW,
            });
            latencyMs.push(performance.now() - begin);
            if (claimed === null) unavailable += 1;
            else won.push(claimed.workspaceId);
          }
        }),
      );
      wallMs += performance.now() - started;
    }
    const { rows } = await claimPool.query<{ count: number }>("SELECT count(*)::int AS count FROM workspaces WHERE owner_id LIKE 'claimer-%'");
    return {
      claimers: options.claimers,
      claims: options.concurrentClaims * options.rounds,
      poolSize: options.claimPool,
      latencyMs,
      poolWaitMs,
      wallMs,
      served: won.length,
      distinct: new Set(won).size,
      unavailable,
      ownedAfter: rows[0]?.count ?? -1,
    };
  } finally {
    await claimPool.end();
  }
}

/** EXPLAIN (ANALYZE, BUFFERS) of each statement of one loadSnapshot, in one REPEATABLE READ transaction. */
async function explainSnapshot(readers: pg.Pool, store: PostgresStore, timer: StatementTimer, log: (line: string) => void): Promise<void> {
  timer.reset();
  await store.loadSnapshot();
  const statements = timer.statements.filter((statement) => /^\s*(SELECT|WITH)\b/i.test(statement.text));
  const client = await readers.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    for (const statement of statements) {
      const { rows } = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statement.text}`, [...statement.values]);
      log(`\n  EXPLAIN ${timer.nameOf(statement.text)}\n${rows.map((row) => `    ${row["QUERY PLAN"]}`).join("\n")}`);
    }
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}
