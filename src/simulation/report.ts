/** What a simulation measured, and how the figures are accumulated step by step. */

const HOUR_MS = 3_600_000;

/** The figures of one preset. */
export interface PresetReport {
  /** The preset's id. */
  readonly presetId: string;
  /** Claims made from it. */
  readonly claims: number;
  /** Claims that found a ready prebuild. */
  readonly hits: number;
  /** `hits / claims`, or 1 when there were no claims. */
  readonly hitRate: number;
  /** Ready prebuilds of this preset waiting to be claimed, summed over time, in hours (one decimal). */
  readonly idlePrebuildHours: number;
}

/** What a simulation measured: what users and the bill would see. */
export interface SimulationReport {
  /** Claims made. */
  readonly claims: number;
  /** Claims that found a ready prebuild (served warm). */
  readonly hits: number;
  /** `hits / claims`, or 1 when there were no claims. */
  readonly hitRate: number;
  /** The median wait of a claim: `claimSeconds` for a hit, `coldBuildSeconds` for a miss. */
  readonly waitP50Seconds: number;
  /** The 95th percentile wait. */
  readonly waitP95Seconds: number;
  /** Ready prebuilds waiting in the pools, summed over time, in hours (one decimal): the cost. */
  readonly idlePrebuildHours: number;
  /** Create builds the reconciler queued. */
  readonly buildsStarted: number;
  /** Of those, the ones that failed. */
  readonly buildsFailed: number;
  /** One number per simulated hour, summed over presets. */
  readonly hourly: {
    /** The largest desired count of the hour, as the reconciler computed it. */
    readonly desired: number[];
    /** Ready prebuilds at the hour's end. */
    readonly ready: number[];
    /** Claims made in the hour. */
    readonly claims: number[];
  };
  /** The figures of each preset, in the scenario's order. */
  readonly presets: readonly PresetReport[];
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
}

/** Adds up a run's figures as the engine moves; {@link finish} gives the report. */
export class ReportBuilder {
  private readonly waits: number[] = [];
  private hits = 0;
  private idleHours = 0;
  private readonly hourly = { desired: [] as number[], ready: [] as number[], claims: [] as number[] };
  private readonly presetClaims: number[];
  private readonly presetHits: number[];
  private readonly presetIdleHours: number[];

  constructor(
    private readonly startMs: number,
    private readonly stepMs: number,
    private readonly presetIds: readonly string[],
    private readonly claimSeconds: number,
    private readonly coldBuildSeconds: number,
  ) {
    this.presetClaims = presetIds.map(() => 0);
    this.presetHits = presetIds.map(() => 0);
    this.presetIdleHours = presetIds.map(() => 0);
  }

  /** The hour a step or claim at `atMs` belongs to: hours end at their last instant, so a claim at 01:00 is in the first. */
  private hourAt(atMs: number): number {
    const hour = Math.max(0, Math.floor((atMs - this.startMs - 1) / HOUR_MS));
    while (this.hourly.claims.length <= hour) {
      this.hourly.claims.push(0);
      this.hourly.desired.push(0);
      this.hourly.ready.push(0);
    }
    return hour;
  }

  /** A claim at `atMs` from preset `presetIndex`, served warm or not. */
  claim(atMs: number, presetIndex: number, hit: boolean): void {
    const hour = this.hourAt(atMs);
    this.hourly.claims[hour] = (this.hourly.claims[hour] ?? 0) + 1;
    this.waits.push(hit ? this.claimSeconds : this.coldBuildSeconds);
    this.presetClaims[presetIndex] = (this.presetClaims[presetIndex] ?? 0) + 1;
    if (hit) {
      this.hits += 1;
      this.presetHits[presetIndex] = (this.presetHits[presetIndex] ?? 0) + 1;
    }
  }

  /** The state after the step ending at `atMs`: ready prebuilds (in total and per preset) and the desired count summed over presets. */
  step(atMs: number, ready: number, readyByPreset: readonly number[], desired: number): void {
    const hour = this.hourAt(atMs);
    this.idleHours += (ready * this.stepMs) / HOUR_MS;
    readyByPreset.forEach((count, index) => {
      this.presetIdleHours[index] = (this.presetIdleHours[index] ?? 0) + (count * this.stepMs) / HOUR_MS;
    });
    this.hourly.desired[hour] = Math.max(this.hourly.desired[hour] ?? 0, desired);
    this.hourly.ready[hour] = ready;
  }

  /** The idle prebuild-hours so far, unrounded. */
  idleHoursSoFar(): number {
    return this.idleHours;
  }

  /** The report, with the create builds counted from the store's history. */
  finish(buildsStarted: number, buildsFailed: number): SimulationReport {
    const sortedWaits = [...this.waits].sort((left, right) => left - right);
    const claims = this.waits.length;
    return {
      claims,
      hits: this.hits,
      hitRate: claims === 0 ? 1 : this.hits / claims,
      waitP50Seconds: percentile(sortedWaits, 0.5),
      waitP95Seconds: percentile(sortedWaits, 0.95),
      idlePrebuildHours: Math.round(this.idleHours * 10) / 10,
      buildsStarted,
      buildsFailed,
      hourly: this.hourly,
      presets: this.presetIds.map((presetId, index) => {
        const presetClaims = this.presetClaims[index] ?? 0;
        const presetHits = this.presetHits[index] ?? 0;
        return { presetId, claims: presetClaims, hits: presetHits, hitRate: presetClaims === 0 ? 1 : presetHits / presetClaims, idlePrebuildHours: Math.round((this.presetIdleHours[index] ?? 0) * 10) / 10 };
      }),
    };
  }
}
