import { type Tracer, type TracerProvider, trace } from '@opentelemetry/api';

/** Instrumentation scope of every span the platform starts. */
export const TRACER_NAME = 'notification-platform';

let cached: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The platform's tracer from the global OpenTelemetry API: the SDK's when
 * `setupTracing` registered one, else the API's no-op tracer (whose spans
 * record nothing but keep their parent's trace context). Looked up once per
 * registered provider, so a shutdown and a new setup (tests) are honoured.
 */
export function platformTracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (cached?.provider !== provider) cached = { provider, tracer: provider.getTracer(TRACER_NAME) };
  return cached.tracer;
}
