/** What the Reconciler hands every port call: a signal that says when to give up. */
export interface PortCallContext {
  /**
   * Aborted when the call's deadline passes, the cycle's deadline passes, the reconciler stops or
   * the reconciliation lock is lost. A port that honours it (node-postgres can cancel a query,
   * `fetch` takes a signal) frees its resources at once; one that ignores it is simply abandoned:
   * the Reconciler reports the call as failed and never applies a late result.
   */
  readonly signal: AbortSignal;
}

/**
 * A {@link PortCallContext} for calls that change the world while the reconciliation lock is held.
 */
export interface FencedCallContext extends PortCallContext {
  /**
   * Names the holding of the reconciliation lock under which the call is made, or `null` when the
   * store offers none. A port writing to the same database as the store can make its write
   * conditional on the token still being current, which closes the gap between the Reconciler's
   * last check of the lock and the write itself (PostgresStore offers such a check).
   */
  readonly fencingToken: string | null;
}
