/**
 * Checked-out clients that honour an AbortSignal: a checkout that gives up when the signal aborts,
 * and a wrapper that releases a client exactly once, destroying it when its connection failed or
 * when what runs on it must be cancelled.
 */

import type { Pool, PoolClient } from "pg";

/** Whether an error means the connection itself is gone (it must be destroyed, not reused). */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === "string" && (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03")) ||
    /Connection terminated|ECONNRESET|EPIPE|not queryable|Client has encountered a connection error/i.test(error.message)
  );
}

/** The reason a signal aborted with, as an Error-like value to reject with. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error("aborted");
}

/**
 * Checks a client out of the pool, as a {@link Checkout} that listens for the connection's errors
 * from the very tick the pool hands the client over. (The pool's promise form hands it over a
 * microtask later; a connection killed in that window — its error arriving in the same packet as
 * its "ready" — would emit an `"error"` that nobody hears, which ends the process.)
 *
 * When `signal` aborts first, rejects with its reason at once, and the client that the pool hands
 * over later goes straight back to it: a host that holds every connection of the pool can no longer
 * make a call wait forever.
 */
export function checkOut(pool: Pool, signal: AbortSignal | undefined, onFailure?: (error: Error) => void): Promise<Checkout> {
  if (signal?.aborted === true) return Promise.reject(abortReason(signal));
  return new Promise<Checkout>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      if (settled) return;
      settled = true;
      reject(abortReason(signal as AbortSignal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    pool.connect((error, client) => {
      signal?.removeEventListener("abort", onAbort);
      if (error !== undefined || client === undefined) {
        if (!settled) {
          settled = true;
          reject(error ?? new Error("the pool handed over no client"));
        }
        return;
      }
      // In this same tick: the checkout's listeners are on before any event can come.
      const checkout = new Checkout(client, onFailure);
      if (settled) checkout.release();
      else {
        settled = true;
        resolve(checkout);
      }
    });
  });
}

/**
 * Settles as `promise` does, or rejects with the signal's reason as soon as it aborts. A late
 * rejection of `promise` is absorbed, so that it never surfaces as an unhandled rejection.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Settles as `promise` does, or rejects with `message` once `ms` have passed (0: never). For waits
 * on the network that no server-side timeout covers, such as a lost connection that never answers.
 */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  if (ms <= 0) return promise;
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A checked-out client, released exactly once. While it is checked out it listens for `"error"`
 * (a connection that dies while checked out emits it, and an unheard `"error"` ends the process)
 * and for `"end"`, and reports the first failure to `onFailure`.
 */
export class Checkout {
  private releasedWith: "pool" | "destroyed" | null = null;
  private failure: Error | null = null;

  constructor(
    readonly client: PoolClient,
    private readonly onFailure: (error: Error) => void = () => {},
  ) {
    client.on("error", this.noteError);
    client.on("end", this.noteEnd);
  }

  /** The first connection failure seen, or `null`. */
  get failed(): Error | null {
    return this.failure;
  }

  /** Whether the client has been released (to the pool, or destroyed). */
  get released(): boolean {
    return this.releasedWith !== null;
  }

  /** Records a failure that a query reported rather than the client (a statement that found the connection gone). */
  noteFailure(error: Error): void {
    this.noteError(error);
  }

  /**
   * Hands the client back: to the pool when it is healthy and `destroy` is not given, otherwise
   * closes its connection, which also makes PostgreSQL roll back whatever ran on it and release
   * its session's locks. Later calls do nothing.
   */
  release(destroy?: unknown): void {
    if (this.releasedWith !== null) return;
    const reason = destroy ?? this.failure ?? undefined;
    this.client.off("end", this.noteEnd);
    if (reason === undefined) {
      this.releasedWith = "pool";
      this.client.off("error", this.noteError);
      this.client.release();
      return;
    }
    this.releasedWith = "destroyed";
    // The closing connection may still report an error; the listener stays, so that it is heard.
    this.client.release(reason instanceof Error ? reason : new Error(String(reason)));
  }

  private readonly noteError = (error: Error): void => {
    if (this.failure !== null) return;
    this.failure = error;
    this.onFailure(error);
  };

  private readonly noteEnd = (): void => {
    if (this.releasedWith === null) this.noteError(new Error("the connection ended"));
  };
}
