import CircuitBreaker from 'opossum';
import type { WebhookAnswer, WebhookTransport } from './webhook-transport.js';

export interface EndpointBreakerOptions {
  /** Failure percentage over the rolling window that opens an endpoint's circuit (default 50). */
  errorThresholdPercentage?: number;
  /** Attempts in the window before the percentage is trusted (default 10). */
  volumeThreshold?: number;
  /** How long an open circuit stays open before one probe attempt (default 60 s). */
  resetTimeoutMs?: number;
  /** The rolling window (default 60 s). */
  rollingWindowMs?: number;
}

/** What a call through an endpoint's breaker came to: the answer, or the circuit was open and nothing was sent. */
export type BrokenAnswer = WebhookAnswer | { ok: false; failure: 'circuit_open'; retryInMs: number };

class FailedAttempt extends Error {
  constructor(readonly answer: WebhookAnswer) {
    super('webhook attempt failed');
  }
}

/**
 * One circuit breaker (opossum, as the clients between functions use) per
 * endpoint: when most recent attempts to an endpoint failed (no answer, a 5xx
 * or 429), its deliveries stop calling it for `resetTimeoutMs` and are
 * retried later, instead of each waiting for its own timeout against a dead
 * receiver; then one probe decides. Endpoints never share a circuit, so a
 * dead receiver never slows a healthy one.
 */
export function createEndpointBreakers(transport: WebhookTransport, options: EndpointBreakerOptions = {}) {
  const resetTimeoutMs = options.resetTimeoutMs ?? 60_000;
  const breakers = new Map<string, CircuitBreaker<Parameters<WebhookTransport['request']>, WebhookAnswer>>();
  const breakerOf = (endpointId: string) => {
    let breaker = breakers.get(endpointId);
    if (!breaker) {
      breaker = new CircuitBreaker(
        async (call: Parameters<WebhookTransport['request']>[0]) => {
          const answer = await transport.request(call);
          if (!answer.ok || answer.status >= 500 || answer.status === 429) throw new FailedAttempt(answer);
          return answer;
        },
        {
          name: `webhook ${endpointId}`,
          // the transport keeps its own deadline
          timeout: false,
          errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
          volumeThreshold: options.volumeThreshold ?? 10,
          resetTimeout: resetTimeoutMs,
          rollingCountTimeout: options.rollingWindowMs ?? 60_000,
        },
      );
      breakers.set(endpointId, breaker);
    }
    return breaker;
  };
  return {
    async request(endpointId: string, call: Parameters<WebhookTransport['request']>[0]): Promise<BrokenAnswer> {
      const breaker = breakerOf(endpointId);
      try {
        return await breaker.fire(call);
      } catch (err) {
        if (err instanceof FailedAttempt) return err.answer;
        return { ok: false, failure: 'circuit_open', retryInMs: resetTimeoutMs };
      }
    },
    /** Forget an endpoint's circuit (deleted, or re-enabled). */
    forget(endpointId: string): void {
      breakers.get(endpointId)?.shutdown();
      breakers.delete(endpointId);
    },
    close(): void {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
    },
  };
}

export type EndpointBreakers = ReturnType<typeof createEndpointBreakers>;
