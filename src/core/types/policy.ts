/** The settings of the decision rules (SPEC §5, §12). */

import type { Backoff } from "./snapshot.js";

/** How the wait after failed creates grows (SPEC §12). */
export type BackoffPolicy =
  | {
      /** `until = lastBuildAt + failedBuilds × backoffIntervalMs` (the Go system's rule). */
      readonly kind: "linear";
    }
  | {
      /**
       * `until = lastBuildAt + min(capMs, backoffIntervalMs × 2^(failedBuilds − 1))`, shortened by
       * up to `jitter` of itself, by an amount derived from the preset id and the failure count (so
       * every replica computes the same instant and presets that failed together retry apart).
       */
      readonly kind: "exponential";
      /** The longest wait, in milliseconds. */
      readonly capMs: number;
      /** The largest fraction of the wait taken off by jitter, from 0 to 1; default 0.2. */
      readonly jitter?: number;
    };

/** Knobs of the decision rules. Every field has a default; an unknown field is an error. */
export interface ReconcilePolicy {
  /** Backoff per failed build, in milliseconds (the base of an exponential backoff); default 60 000. */
  readonly backoffIntervalMs: number;
  /** Global budget of creates across all presets in one cycle; default none. */
  readonly maxCreatesPerCycle?: number;
  /** Linear (default) or exponential backoff. */
  readonly backoff?: BackoffPolicy;
  /**
   * A hard-limited preset gets one probe create of 1 once this long has passed since its last failed
   * build (and none is in flight); default none: hard-limited presets wait for a person.
   */
  readonly hardLimitRetryMs?: number | null;
  /** A cap on create builds in flight across all presets (starting ones count); default none. */
  readonly maxCreatesInFlight?: number | null;
  /** Slow start: a preset's creates in flight grow 1, 2, 4, … while its builds succeed; default off. */
  readonly slowStart?: boolean;
  /** The largest desired count a target expression can give; default 100. */
  readonly maxExpressionTarget?: number;
  /**
   * Surplus is deleted only when the desired count has been below the running count for this long,
   * in milliseconds (scale-up is never delayed); default 0: no stabilization.
   */
  readonly scaleDownStabilizationMs?: number;
  /** How long a create or delete asked for is counted before the snapshot shows it, in ms; default 60 000. */
  readonly expectationTtlMs?: number;
}
