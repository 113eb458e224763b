/** Tracing: a span per cycle, a child span per port call, a span per claim. */

/** Attribute values a span can carry. */
export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

/** One traced operation. */
export interface Span {
  /** Adds attributes (presets planned, actions by type, failures…). */
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span as failed, with the error's message. */
  recordFailure(message: string): void;
  /** Ends the span; called exactly once. */
  end(): void;
}

/** Starts spans; an OpenTelemetry adapter, or nothing (the default). Must not throw (a throw is ignored). */
export interface Tracer {
  /** Starts a span named `name`, as a child of `parent` when given. */
  startSpan(name: string, attributes: SpanAttributes, parent: Span | null): Span;
}

const NO_SPAN: Span = { setAttributes: () => {}, recordFailure: () => {}, end: () => {} };

/**
 * A tracer that records nothing (the Reconciler's default).
 *
 * @example
 * const reconciler = new Reconciler({ store, provisioner, tracer: noopTracer, systemUserId });
 */
export const noopTracer: Tracer = { startSpan: () => NO_SPAN };
