import CircuitBreaker from 'opossum';
import { ServiceUnavailableError } from '../errors.js';
import type { Fetcher } from './fetcher.js';

export interface BreakerOptions {
  /** The function behind the fetcher, for messages and metrics. */
  name: string;
  /** A call slower than this counts as a failure and is abandoned. */
  timeoutMs?: number;
  /** Failure percentage (over the rolling window) that opens the circuit. */
  errorThresholdPercentage?: number;
  /** Calls in the window before the percentage is trusted. */
  volumeThreshold?: number;
  /** How long the circuit stays open before one probe call (half-open). */
  resetTimeoutMs?: number;
  /**
   * Which answers mean the function is down (default: every 5xx). Other
   * answers pass through to the caller unchanged.
   */
  isOutage?: (status: number) => boolean;
}

/** Only gateway-style outage answers: for proxies, where a 500 is the upstream's own answer to pass on. */
export const OUTAGE_STATUSES = (status: number) => status === 502 || status === 503 || status === 504;

class UpstreamError extends Error {
  constructor(status: number) {
    super(`it answered ${status}`);
  }
}

/**
 * Wrap a {@link Fetcher} in a circuit breaker (opossum). Network errors,
 * timeouts and 5xx answers count as failures; once the circuit opens, calls
 * fail at once with a 503 {@link ServiceUnavailableError} carrying
 * `Retry-After`, instead of piling up behind a dead function. A 5xx is also
 * a 503 to the caller. 4xx answers are the caller's business and pass through.
 */
export function createBreakerFetcher(fetcher: Fetcher, options: BreakerOptions): Fetcher & { breaker: CircuitBreaker } {
  const resetTimeoutMs = options.resetTimeoutMs ?? 5_000;
  const isOutage = options.isOutage ?? ((status: number) => status >= 500);
  const breaker = new CircuitBreaker(
    async (request: Request) => {
      const response = await fetcher(request);
      if (isOutage(response.status)) throw new UpstreamError(response.status);
      return response;
    },
    {
      name: options.name,
      timeout: options.timeoutMs ?? 2_000,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 5,
      resetTimeout: resetTimeoutMs,
      rollingCountTimeout: 10_000,
    },
  );
  const retryAfterSeconds = Math.ceil(resetTimeoutMs / 1000);

  const call = (async (request: Request) => {
    try {
      return await breaker.fire(request);
    } catch (err) {
      const reason = breaker.opened ? 'circuit open' : err instanceof Error ? err.message : String(err);
      throw new ServiceUnavailableError(`The ${options.name} function is unavailable (${reason})`, {
        cause: err,
        retryAfterSeconds,
      });
    }
  }) as Fetcher & { breaker: CircuitBreaker };
  call.breaker = breaker;
  return call;
}
