/**
 * Every port call the Reconciler makes goes through here: it gets an AbortSignal and a deadline,
 * is abandoned (never awaited further) when either passes or its parent signal aborts, and is
 * traced. A late result is logged, never applied.
 */

import { messageOf } from "../internal/messages.js";
import type { Logger } from "../ports/logger.js";
import type { Span, SpanAttributes, Tracer } from "../ports/tracer.js";
import { PortTimeoutError } from "./errors.js";

/** The longest delay `setTimeout` honours: longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** What a port call needs from its surroundings. */
export interface CallScope {
  /** Aborted when the surrounding work (a cycle, a claim, the reconciler) must stop. */
  readonly signal: AbortSignal;
  readonly tracer: Tracer;
  /** The span the call's span is a child of. */
  readonly span: Span | null;
  readonly logger: Logger;
}

/** Rejects once `signal` aborts, with its reason; never resolves. */
function whenAborted(signal: AbortSignal): { readonly promise: Promise<never>; readonly dispose: () => void } {
  let dispose = () => {};
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    dispose = () => signal.removeEventListener("abort", onAbort);
  });
  // Nobody may be listening when the signal aborts after the call settled.
  promise.catch(() => undefined);
  return { promise, dispose };
}

/**
 * Calls a port with a signal that aborts after `timeoutMs` or when the scope's signal aborts,
 * whichever comes first; resolves or rejects with the call, or rejects with the abort reason
 * (a {@link PortTimeoutError} for the deadline) without waiting for the call any longer.
 */
export async function callPort<T>(
  operation: string,
  timeoutMs: number,
  scope: CallScope,
  call: (signal: AbortSignal) => Promise<T> | T,
  attributes: SpanAttributes = {},
  /** Told when a call that was abandoned rejects after all: the port says it did nothing. */
  onLateRejection?: (error: unknown) => void,
): Promise<T> {
  if (scope.signal.aborted) throw scope.signal.reason;
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(scope.signal.reason);
  scope.signal.addEventListener("abort", onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new PortTimeoutError(operation, timeoutMs)), Math.min(timeoutMs, MAX_TIMER_MS));
  const aborted = whenAborted(controller.signal);
  const span = startSpanSafely(scope.tracer, operation, attributes, scope.span);
  let settled = false;
  try {
    const pending = Promise.resolve().then(() => call(controller.signal));
    // Both callbacks run only after the race was lost to an abort (then `settled` is already true).
    const abandoned = () => settled && controller.signal.aborted;
    pending.then(
      () => abandoned() && lateResult(scope, operation, "resolved"),
      (error: unknown) => {
        if (!abandoned()) return;
        lateResult(scope, operation, `rejected: ${messageOf(error)}`);
        if (onLateRejection !== undefined) safely(() => onLateRejection(error));
      },
    );
    return await Promise.race([pending, aborted.promise]);
  } catch (error) {
    safely(() => span.recordFailure(messageOf(error)));
    throw error;
  } finally {
    settled = true;
    clearTimeout(timer);
    aborted.dispose();
    scope.signal.removeEventListener("abort", onParentAbort);
    safely(() => span.end());
  }
}

function lateResult(scope: CallScope, operation: string, outcome: string): void {
  scope.logger.warn({ operation, outcome }, `${operation} settled after it was abandoned; its result is ignored`);
}

/** Starts a span; a tracer that throws gets a span that records nothing. */
export function startSpanSafely(tracer: Tracer, name: string, attributes: SpanAttributes, parent: Span | null): Span {
  try {
    return tracer.startSpan(name, attributes, parent);
  } catch {
    return { setAttributes: () => {}, recordFailure: () => {}, end: () => {} };
  }
}

/** Runs a call into host code whose failure must change nothing (a tracer, a metrics sink). */
export function safely(run: () => unknown): void {
  try {
    const result = run();
    if (result instanceof Promise) result.catch(() => undefined);
  } catch {
    // Nowhere to report it that could not fail the same way.
  }
}
