/**
 * A provisioner that builds nothing real: it queues builds in an {@link InMemoryStore}, picks them
 * up as capacity allows, and finishes them after a seeded random latency, failing some.
 */

import { UNCLAIMED_LIFECYCLE } from "../../core/lifecycle.js";
import type { Clock, Preset } from "../../core/types/index.js";
import type { FencedCallContext } from "../../ports/call.js";
import type { Provisioner } from "../../ports/provisioner.js";
import { seededRandom } from "../../internal/random.js";
import type { MemoryBuild } from "./rows.js";
import type { InMemoryStore } from "./store.js";

/** How the simulated builds behave. */
export interface SimulatedProvisionerOptions {
  /** The store the builds are recorded in. */
  readonly store: InMemoryStore;
  /** Simulated time; builds finish when {@link SimulatedProvisioner.advance} sees their time has come. */
  readonly clock: Clock;
  /** Seed of the latency and failure draws: same seed, same world. Default 1. */
  readonly seed?: number;
  /** Shortest build, in ms. Default 60 000. */
  readonly minLatencyMs?: number;
  /** Longest build, in ms. Default 180 000. */
  readonly maxLatencyMs?: number;
  /** Chance that a create build fails, from 0 to 1. Default 0. */
  readonly failureRate?: number;
  /** How many builds run at once; the rest wait in the queue, unstarted. Default unlimited. */
  readonly capacity?: number;
}

/**
 * The simulated {@link Provisioner}. Call {@link advance} after moving the clock to let builds
 * start and finish.
 *
 * @example
 * const provisioner = new SimulatedProvisioner({ store, clock, seed: 7, failureRate: 0.1 });
 * clock.advance(120_000);
 * provisioner.advance();
 */
export class SimulatedProvisioner implements Provisioner {
  private readonly store: InMemoryStore;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly minLatencyMs: number;
  private readonly maxLatencyMs: number;
  private readonly capacity: number;
  private readonly finishAt = new Map<string, number>();
  /** Chance that a create build fails; may be changed between steps. */
  failureRate: number;
  /** While set, every call rejects with this error, as an unreachable provisioner would. */
  outage: Error | null = null;

  constructor(options: SimulatedProvisionerOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.random = seededRandom(options.seed ?? 1);
    this.minLatencyMs = options.minLatencyMs ?? 60_000;
    this.maxLatencyMs = Math.max(this.minLatencyMs, options.maxLatencyMs ?? 180_000);
    this.failureRate = options.failureRate ?? 0;
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
  }

  private check(): void {
    if (this.outage !== null) throw this.outage;
  }

  private queue(workspaceId: string, presetId: string, transition: MemoryBuild["transition"]): void {
    const build: MemoryBuild = {
      id: this.store.newId("build"),
      workspaceId,
      presetId,
      transition,
      status: "pending",
      createdAt: this.clock.now(),
      startedAt: null,
      initiatorId: this.store.systemUserId,
    };
    this.store.insertBuild(build);
    if (this.runningCount() < this.capacity) this.begin(build, this.clock.now().getTime());
  }

  private runningCount(): number {
    return this.finishAt.size;
  }

  private begin(build: MemoryBuild, nowMs: number): void {
    build.status = "running";
    build.startedAt = new Date(nowMs);
    const latency = this.minLatencyMs + Math.floor(this.random() * (this.maxLatencyMs - this.minLatencyMs + 1));
    this.finishAt.set(build.id, nowMs + latency);
  }

  async createPrebuilds(preset: Preset, count: number, _context?: FencedCallContext): Promise<void> {
    this.check();
    for (let index = 0; index < count; index += 1) {
      const id = this.store.newId("ws");
      this.store.insertWorkspace({
        id,
        presetId: preset.id,
        ownerId: this.store.systemUserId,
        name: `prebuild-${id}`,
        createdAt: this.clock.now(),
        ready: false,
        deleted: false,
        lifecycle: UNCLAIMED_LIFECYCLE,
      });
      this.queue(id, preset.id, "start");
    }
  }

  async deletePrebuild(workspaceId: string, _context?: FencedCallContext): Promise<void> {
    this.check();
    const workspace = this.store.workspace(workspaceId);
    if (workspace === undefined || workspace.deleted) throw new Error(`no workspace ${workspaceId} to delete`);
    if (workspace.ownerId !== this.store.systemUserId) throw new Error(`workspace ${workspaceId} is not a prebuild any more`);
    this.queue(workspaceId, workspace.presetId, "delete");
  }

  async cancelPendingAndOrphanDelete(presetId: string, _context?: FencedCallContext): Promise<number> {
    this.check();
    let cancelled = 0;
    for (const build of this.store.buildsInProgress()) {
      if (build.presetId !== presetId || build.transition !== "start" || build.status !== "pending" || build.startedAt !== null) continue;
      if (build.initiatorId !== this.store.systemUserId) continue;
      build.status = "canceled";
      const workspace = this.store.workspace(build.workspaceId);
      // No provisioner touched it, so there is nothing to destroy: the row goes at once.
      if (workspace !== undefined) workspace.deleted = true;
      cancelled += 1;
    }
    return cancelled;
  }

  /** Finishes the builds whose time has come, then starts queued ones as capacity frees up. */
  advance(): void {
    const nowMs = this.clock.now().getTime();
    // Only builds in flight can change, and the store lists them apart from its history.
    for (const build of this.store.buildsInProgress()) {
      if (build.status === "running" && (this.finishAt.get(build.id) ?? nowMs) <= nowMs) this.finish(build);
    }
    for (const build of this.store.buildsInProgress()) {
      if (this.runningCount() >= this.capacity) break;
      if (build.status === "pending") this.begin(build, nowMs);
    }
  }

  /**
   * When the next running build finishes, in epoch ms, or `null` when none is running. A build
   * that is running without a finish time (inserted by hand) finishes at the next {@link advance}:
   * that is now. For simulators that skip ahead.
   */
  nextFinishAt(): number | null {
    let earliest: number | null = null;
    for (const build of this.store.buildsInProgress()) {
      if (build.status !== "running") continue;
      const at = this.finishAt.get(build.id) ?? this.clock.now().getTime();
      if (earliest === null || at < earliest) earliest = at;
    }
    return earliest;
  }

  private finish(build: MemoryBuild): void {
    this.finishAt.delete(build.id);
    const workspace = this.store.workspace(build.workspaceId);
    if (build.transition === "delete") {
      build.status = "succeeded";
      if (workspace !== undefined) workspace.deleted = true;
      return;
    }
    const failed = build.transition === "start" && this.random() < this.failureRate;
    build.status = failed ? "failed" : "succeeded";
    if (workspace !== undefined && build.transition === "start" && !failed) workspace.ready = true;
  }
}
