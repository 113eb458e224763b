/** Timing helpers for the PostgreSQL benchmark: per-statement timers on a pool, percentiles. */

import type pg from "pg";
import * as sql from "../../src/adapters/postgres/queries.js";

/** Durations (ms) of every statement run on the pool since the last reset, by statement name. */
export class StatementTimer {
  private readonly names = new Map<string, string>();
  readonly durations = new Map<string, number[]>();
  /** Every statement run since the last reset, with its parameters, in order. */
  readonly statements: { readonly text: string; readonly values: readonly unknown[] }[] = [];

  constructor() {
    for (const [name, text] of Object.entries(sql)) if (typeof text === "string") this.names.set(text, name);
  }

  /** Patches every client the pool connects from now on. */
  attach(pool: pg.Pool): void {
    pool.on("connect", (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string }).text ?? "";
        const started = performance.now();
        const result = query(...args);
        if (result instanceof Promise) {
          const config = args[0] as { values?: unknown[] };
          const values = Array.isArray(args[1]) ? (args[1] as unknown[]) : Array.isArray(config.values) ? config.values : [];
          this.statements.push({ text, values });
          const record = () => this.record(text, performance.now() - started);
          result.then(record, record);
        }
        return result;
      };
    });
  }

  /** The statement's name in queries.ts, or its first words. */
  nameOf(text: string): string {
    return this.names.get(text) ?? text.trim().split(/\s+/).slice(0, 4).join(" ");
  }

  private record(text: string, ms: number): void {
    const name = this.nameOf(text);
    const list = this.durations.get(name) ?? [];
    list.push(ms);
    this.durations.set(name, list);
  }

  reset(): void {
    this.durations.clear();
    this.statements.length = 0;
  }
}

/** The nearest-rank percentile `p` (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

const collectGarbage = (globalThis as { gc?: () => void }).gc;

/**
 * Runs `fn` `warmup` times untimed, then at least `minRuns` times and until `budgetMs` is spent;
 * returns the durations. With `node --expose-gc` (npm run bench:pg), a full collection runs before
 * each timed call, so that a call does not pay for the garbage of the one before it.
 */
export async function repeat(fn: () => Promise<unknown>, options: { readonly warmup: number; readonly minRuns: number; readonly maxRuns: number; readonly budgetMs: number }): Promise<number[]> {
  for (let index = 0; index < options.warmup; index += 1) await fn();
  const durations: number[] = [];
  const started = performance.now();
  while (durations.length < options.minRuns || (durations.length < options.maxRuns && performance.now() - started < options.budgetMs)) {
    collectGarbage?.();
    const begin = performance.now();
    await fn();
    durations.push(performance.now() - begin);
  }
  return durations;
}
