/**
 * The reconciliation loop: a cycle, then a sleep until the plan's next change, the interval, or a
 * wake-up, whichever comes first — but never less than a floor between cycle starts, whatever the
 * plan says, so that no input can make it spin.
 */

import { ArgumentValidationError } from "../core/errors.js";
import type { Clock } from "../ports/clock.js";
import { MAX_TIMER_MS } from "./options.js";
import type { ReconcileStats } from "./stats.js";

/** How the loop runs. */
export interface StartOptions {
  /** The longest wait between cycles, in ms. */
  readonly intervalMs: number;
  /**
   * The shortest time between the starts of two cycles, in ms, whatever the plan's next change or
   * a wake-up asks for. Default 1 000, or `intervalMs` when that is shorter.
   */
  readonly minIntervalMs?: number;
  /** Stops the loop when aborted (the cycle in flight is interrupted and the lock released). */
  readonly signal?: AbortSignal;
}

/** The default of {@link StartOptions.minIntervalMs}. */
export const DEFAULT_MIN_INTERVAL_MS = 1_000;

function checkStart(options: StartOptions): { readonly intervalMs: number; readonly floorMs: number } {
  const issues = [];
  const { intervalMs, minIntervalMs } = options;
  if (typeof intervalMs !== "number" || !Number.isFinite(intervalMs) || intervalMs <= 0 || intervalMs > MAX_TIMER_MS) {
    issues.push({ path: "intervalMs", message: `must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${String(intervalMs)}` });
  }
  if (minIntervalMs !== undefined && (typeof minIntervalMs !== "number" || !Number.isFinite(minIntervalMs) || minIntervalMs < 0)) {
    issues.push({ path: "minIntervalMs", message: `must be a number of milliseconds ≥ 0, got ${String(minIntervalMs)}` });
  }
  if (issues.length > 0) throw new ArgumentValidationError("start options", issues);
  return { intervalMs, floorMs: Math.min(minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS, intervalMs) };
}

/** Runs cycles until stopped. */
export class Loop {
  private running: Promise<void> | null = null;
  private stopRequested = false;
  private wakeUp: (() => void) | null = null;
  private wakePending = false;
  private detachSignal: () => void = () => {};

  constructor(
    private readonly runCycle: () => Promise<ReconcileStats>,
    private readonly clock: Clock,
    private readonly onStop: () => void,
  ) {}

  /** Whether the loop is running. */
  get active(): boolean {
    return this.running !== null;
  }

  start(options: StartOptions): void {
    const { intervalMs, floorMs } = checkStart(options);
    if (this.running !== null || options.signal?.aborted === true) return;
    this.stopRequested = false;
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = () => void this.stop();
      signal.addEventListener("abort", onAbort, { once: true });
      this.detachSignal = () => signal.removeEventListener("abort", onAbort);
    }
    this.running = this.loop(intervalMs, floorMs);
  }

  wake(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    this.detachSignal();
    this.detachSignal = () => {};
    this.onStop();
    this.wakeUp?.();
    await this.running;
    this.running = null;
  }

  private async loop(intervalMs: number, floorMs: number): Promise<void> {
    while (!this.stopRequested) {
      this.wakePending = false;
      const startedMs = performance.now();
      const stats = await this.runCycle();
      if (this.stopRequested) break;
      const untilChange = stats.nextChangeAt === null ? intervalMs : stats.nextChangeAt.getTime() - this.clock.now().getTime();
      const wanted = this.wakePending ? 0 : Number.isFinite(untilChange) ? Math.min(intervalMs, untilChange) : intervalMs;
      await this.sleep(wanted, startedMs + floorMs);
    }
  }

  /**
   * Sleeps `ms`, or until a wake-up; either way not before `floorEnd` (on `performance.now()`'s
   * scale), which counts from the start of the cycle just run. A stop ends the sleep at once.
   */
  private sleep(ms: number, floorEnd: number): Promise<void> {
    return new Promise((resolve) => {
      let timer = setTimeout(done, Math.min(Math.max(ms, floorEnd - performance.now(), 0), MAX_TIMER_MS));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        clearTimeout(timer);
        const floorLeft = floorEnd - performance.now();
        if (this.stopRequested || floorLeft <= 0) {
          this.wakeUp = null;
          done();
        } else timer = setTimeout(done, floorLeft);
      };
      if (this.stopRequested) done();
    });
  }
}
