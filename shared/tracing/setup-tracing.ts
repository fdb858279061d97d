import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config.js';

export interface TracingOptions {
  /** `config.tracing`: which exporter, where, sampling. */
  config: Config['tracing'];
  /** `service.name` when `OTEL_SERVICE_NAME` is unset: the function (or `notification-platform` for all in one process). */
  serviceName: string;
  /** Export finished spans here, one by one, instead of what the config names (tests: an `InMemorySpanExporter`). */
  exporter?: SpanExporter;
}

/** What {@link setupTracing} registered; shut it down before the process exits so the last spans are sent. */
export interface Tracing {
  /** True when spans are recorded and exported; false when only the trace context is passed on. */
  readonly exporting: boolean;
  /** Export every finished span now. */
  flush(): Promise<void>;
  /** Flush, then unregister everything, so a later setup starts clean. */
  shutdown(): Promise<void>;
}

function processorOf(options: TracingOptions): SpanProcessor | undefined {
  if (options.exporter) return new SimpleSpanProcessor(options.exporter);
  switch (options.config.exporter) {
    case 'otlp':
      return new BatchSpanProcessor(
        new OTLPTraceExporter({ url: options.config.otlpTracesUrl, headers: options.config.otlpHeaders }),
      );
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    case 'none':
      return undefined;
  }
}

/**
 * Register OpenTelemetry for this process; called once by an entry point
 * (`createInfra`), never at import time.
 *
 * Always: W3C Trace Context as the propagator and an AsyncLocalStorage
 * context manager, so a `traceparent` that comes in (HTTP header, queue
 * header) is carried through the work it started and goes out again, with
 * tracing off too. Only when `OTEL_TRACES_EXPORTER` is `otlp` or `console`
 * (or a test passes an exporter): an SDK tracer provider that records spans,
 * samples new traces by `OTEL_TRACES_SAMPLER_ARG` and follows a caller's
 * sampling decision. Off, app code's spans are the API's no-op spans.
 */
export function setupTracing(options: TracingOptions): Tracing {
  // the API keeps one registration per process: a second setup (two entry points in one process) leaves the first in place
  const contextManager = new AsyncLocalStorageContextManager().enable();
  const ownsContext = context.setGlobalContextManager(contextManager);
  if (!ownsContext) contextManager.disable();
  const ownsPropagator = propagation.setGlobalPropagator(new W3CTraceContextPropagator());

  const processor = processorOf(options);
  const provider = processor
    ? new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': options.config.serviceName ?? options.serviceName }),
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.config.sampleRatio) }),
        spanProcessors: [processor],
      })
    : undefined;
  const ownsProvider = provider !== undefined && trace.setGlobalTracerProvider(provider);

  let stopped = false;
  return {
    exporting: ownsProvider,
    flush: async () => {
      await provider?.forceFlush();
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      await provider?.shutdown();
      if (ownsProvider) trace.disable();
      if (ownsPropagator) propagation.disable();
      if (ownsContext) context.disable();
    },
  };
}
