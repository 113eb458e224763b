/** Timing with tinybench, heap readings around a single call, and a counting wrapper for ports. */

import { Bench, type FnOptions } from "tinybench";

/** What one benchmark case measured. */
export interface Timing {
  readonly name: string;
  /** Median latency, ms. */
  readonly medianMs: number;
  /** Mean latency, ms. */
  readonly meanMs: number;
  /** Fastest call, ms: the least disturbed by other processes on a shared machine. */
  readonly minMs: number;
  /** Relative margin of error of the mean, %. */
  readonly rme: number;
  /** Operations per second (1000 / mean latency). */
  readonly opsPerSec: number;
  /** How many timed calls. */
  readonly samples: number;
}

/** How long and how often to run one case. */
export interface RunOptions {
  /** Time budget, ms (the case runs until both this and `iterations` are met). */
  readonly time: number;
  /** Minimum timed calls. */
  readonly iterations: number;
  /** Untimed warm-up calls before timing (0: none). */
  readonly warmupIterations: number;
  /** Per-call hooks, run outside the timed window. */
  readonly hooks?: Pick<FnOptions, "beforeEach" | "afterEach">;
}

/** Runs one case with tinybench and returns its figures. Throws when the case throws. */
export async function time(name: string, fn: () => unknown, options: RunOptions): Promise<Timing> {
  const bench = new Bench({
    name,
    time: options.time,
    iterations: options.iterations,
    warmup: options.warmupIterations > 0,
    warmupIterations: options.warmupIterations,
    warmupTime: 0,
    throws: true,
  });
  bench.add(name, fn, options.hooks ?? {});
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result === undefined || (result.state !== "completed" && result.state !== "aborted-with-statistics")) {
    throw new Error(`benchmark ${name} did not complete: ${result?.state ?? "no result"}`);
  }
  return {
    name,
    medianMs: result.latency.p50,
    meanMs: result.latency.mean,
    minMs: result.latency.min,
    rme: result.latency.rme,
    opsPerSec: result.latency.mean > 0 ? 1000 / result.latency.mean : Number.POSITIVE_INFINITY,
    samples: result.latency.samplesCount,
  };
}

const MB = 1024 * 1024;

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with node --expose-gc (npm run bench does)");
  gc();
  gc();
}

/** Heap readings around one call, in MB. */
export interface HeapReading {
  /** Heap used after a full GC, before the call: the inputs (snapshot) and everything else alive. */
  readonly beforeMb: number;
  /** Heap used right after the call, without a GC: inputs, the result, and garbage not yet collected. */
  readonly afterMb: number;
  /** `afterMb - beforeMb`: what the call allocated and had not yet been collected (a lower bound of its allocation). */
  readonly deltaMb: number;
  /** Heap committed by V8 right after the call: an upper bound of the peak heap used during it. */
  readonly committedMb: number;
  /** Heap used after a full GC with the result still held: inputs plus the result. */
  readonly retainedMb: number;
}

/** Full GC, one call, heap readings (process.memoryUsage), result kept alive until measured. */
export function heapAround(fn: () => unknown): HeapReading {
  collect();
  const before = process.memoryUsage();
  let result: unknown = fn();
  const after = process.memoryUsage();
  collect();
  const retained = process.memoryUsage();
  if (result === Symbol.for("never")) console.log(result); // keeps `result` alive through the readings
  result = null;
  return {
    beforeMb: before.heapUsed / MB,
    afterMb: after.heapUsed / MB,
    deltaMb: (after.heapUsed - before.heapUsed) / MB,
    committedMb: after.heapTotal / MB,
    retainedMb: retained.heapUsed / MB,
  };
}

/** Counts of calls made to a port, by method. */
export class CallCounter {
  readonly calls = new Map<string, number>();
  /** Calls in flight right now, and the most ever in flight at once (for async methods). */
  inFlight = 0;
  maxInFlight = 0;

  count(method: string): number {
    return this.calls.get(method) ?? 0;
  }

  total(methods?: readonly string[]): number {
    let sum = 0;
    for (const [method, count] of this.calls) if (methods === undefined || methods.includes(method)) sum += count;
    return sum;
  }

  reset(): void {
    this.calls.clear();
    this.inFlight = 0;
    this.maxInFlight = 0;
  }
}

/** Wraps every method of `target` so that each call is counted (and in-flight async calls tracked). */
export function counting<T extends object>(target: T, counter: CallCounter): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== "function" || typeof property !== "string") return value;
      return (...args: unknown[]) => {
        counter.calls.set(property, counter.count(property) + 1);
        const returned: unknown = (value as (...callArgs: unknown[]) => unknown).apply(object, args);
        if (!(returned instanceof Promise)) return returned;
        counter.inFlight += 1;
        counter.maxInFlight = Math.max(counter.maxInFlight, counter.inFlight);
        return returned.finally(() => {
          counter.inFlight -= 1;
        });
      };
    },
  });
}
