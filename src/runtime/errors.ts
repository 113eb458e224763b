/** Why the Reconciler gave up on a port call or a cycle: typed, with a stable code. */

/**
 * A port call did not settle within its deadline (`ReconcilerOptions.timeouts`). Its signal was
 * aborted; a result that arrives later is logged and never applied.
 *
 * @example
 * if (stats.failures.some((failure) => failure.code === "PORT_TIMEOUT")) alert("a port is hanging");
 */
export class PortTimeoutError extends Error {
  /** Stable machine-readable code. */
  readonly code = "PORT_TIMEOUT" as const;

  constructor(
    /** The port call, for example `provisioner.createPrebuilds`. */
    readonly operation: string,
    /** The deadline it missed, in ms. */
    readonly timeoutMs: number,
  ) {
    super(`${operation} did not settle within ${timeoutMs} ms`);
    this.name = "PortTimeoutError";
  }
}

/** Why a cycle stopped before its end. */
export type InterruptionCause = "cycleDeadline" | "stopped" | "lockLost";

const INTERRUPTION_MESSAGES: Readonly<Record<InterruptionCause, string>> = {
  cycleDeadline: "the cycle passed its deadline (timeouts.cycleMs)",
  stopped: "the reconciler was stopped",
  lockLost: "the reconciliation lock was lost: this replica stopped acting at once",
};

/**
 * A cycle was interrupted: its deadline passed, the reconciler stopped, or the lock could no longer
 * be proven. Every port call still pending was abandoned and no further side effect was made.
 *
 * @example
 * if (stats.interruptedBy === "lockLost") logger.warn("another replica may be reconciling now");
 */
export class CycleInterruptedError extends Error {
  /** Stable machine-readable code. */
  readonly code = "CYCLE_INTERRUPTED" as const;

  constructor(
    /** What interrupted the cycle. */
    readonly interruptedBy: InterruptionCause,
    options?: { readonly cause?: unknown },
  ) {
    super(INTERRUPTION_MESSAGES[interruptedBy], options);
    this.name = "CycleInterruptedError";
  }
}

/** The code of an error a port threw, when it has one that is a string. */
export function codeOf(error: unknown): string | null {
  try {
    const code: unknown = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
    return typeof code === "string" ? code : null;
  } catch {
    return null;
  }
}
