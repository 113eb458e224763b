/**
 * The ranges of the CLI's numeric options. Each bound keeps a typo (`--days 100000`) from running
 * for minutes or silently meaning something else; docs/cli.md lists them.
 */

/** A numeric option's accepted whole numbers, both ends included. */
export interface CountRange {
  readonly min: number;
  readonly max: number;
}

/** `preview --days`: up to a year, leap day included (under a second here). */
export const PREVIEW_DAYS: CountRange = { min: 1, max: 366 };

/**
 * `simulate --days`: up to a year, leap day included. A run's cost grows linearly with its length
 * (the in-memory store indexes what it reads, and steps in which nothing can happen are skipped):
 * a year of the example scenario takes about 6 s.
 */
export const SIMULATE_DAYS: CountRange = { min: 1, max: 366 };

/** `simulate --seed`: the seeded generator keeps 32 bits, so larger or negative seeds would repeat others. */
export const SEED: CountRange = { min: 0, max: 0xffff_ffff };

/** `plan --max-creates`: a budget far above any real cycle's needs, yet a safe integer. */
export const MAX_CREATES: CountRange = { min: 0, max: 100_000 };

/**
 * Simulated steps (`days × 86 400 / stepSeconds`) of one `simulate` run: a year of one-minute
 * steps. A tiny `stepSeconds` would otherwise make even a short run endless.
 */
export const MAX_SIMULATION_STEPS = SIMULATE_DAYS.max * 24 * 60;

/** `status --watch`: from every second to every hour. */
export const WATCH_SECONDS: CountRange = { min: 1, max: 3_600 };
