/**
 * The Tracer port over an OpenTelemetry tracer: the cycle's span, a child span per port call
 * (parented through OpenTelemetry's context), a span per claim and per read of the build totals.
 */

import { context as otelContext, SpanStatusCode, trace, type Span as OtelSpan, type Tracer as OtelTracer } from "@opentelemetry/api";
import type { Span, SpanAttributes, Tracer } from "../../ports/tracer.js";

/** A port span that carries the OpenTelemetry span it stands for, so that children can be parented on it. */
class OpenTelemetrySpan implements Span {
  constructor(readonly span: OtelSpan) {}

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(attributes);
  }

  recordFailure(message: string): void {
    this.span.recordException({ name: "Error", message });
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    this.span.end();
  }
}

/**
 * A {@link Tracer} on an OpenTelemetry tracer. A span with a parent from this tracer is started in
 * the parent's context, so exporters see one trace per cycle and per claim; a span without one
 * is started in the active context (a cycle run inside a host's request span nests under it).
 * `recordFailure` records an exception event and sets the span's status to error.
 *
 * @example
 * import { trace } from "@opentelemetry/api";
 * const tracer = new OpenTelemetryTracer(trace.getTracer("prebuild-reconciler"));
 * const reconciler = new Reconciler({ store, provisioner, tracer, systemUserId });
 */
export class OpenTelemetryTracer implements Tracer {
  constructor(private readonly tracer: OtelTracer) {}

  startSpan(name: string, attributes: SpanAttributes, parent: Span | null): Span {
    const parentContext = parent instanceof OpenTelemetrySpan ? trace.setSpan(otelContext.active(), parent.span) : otelContext.active();
    return new OpenTelemetrySpan(this.tracer.startSpan(name, { attributes }, parentContext));
  }
}
