import CircuitBreaker from 'opossum';
import type { Logger } from '../../../shared/logging/logger.js';
import type { ProviderMetrics } from '../../../shared/metrics/provider-metrics.js';
import type { PushDevice, PushNotification, PushResult, PushSender, PushSendOptions } from './push-sender.js';

export interface OriginBreakerOptions {
  /** Failure percentage over the rolling window that opens a circuit. */
  errorThresholdPercentage?: number;
  /** Sends in the window before the percentage is trusted. */
  volumeThreshold?: number;
  /** How long a circuit stays open before one probe send (half-open). */
  resetTimeoutMs?: number;
  /** Window the failure percentage is measured over. */
  rollingWindowMs?: number;
  logger?: Logger;
  /** Breaker transitions go to `provider_breaker_state`, labelled by the origin's host. */
  metrics?: ProviderMetrics;
}

/** Carries a counted failure through opossum and back out unchanged. */
class OriginFailure extends Error {
  constructor(readonly result: PushResult) {
    super(result.kind === 'retry' ? result.reason : result.kind);
  }
}

const originHost = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
};

type Send = (device: PushDevice, notification: PushNotification, options: PushSendOptions) => Promise<PushResult>;

/**
 * Decorate a {@link PushSender} with one circuit breaker (opossum) per push
 * service origin: 5xx answers, timeouts and network errors of one origin
 * (`countsAgainstOrigin`) open its circuit, so a dead push service stops
 * costing a timeout per device while the others keep flowing. An open
 * circuit answers `retry` at once (after the reset timeout): the message
 * comes back later through the queue, it never fails because of an outage.
 */
export function withOriginBreakers(
  sender: PushSender,
  options: OriginBreakerOptions = {},
): PushSender & { breakerOf(origin: string): CircuitBreaker | undefined } {
  const resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
  const breakers = new Map<string, CircuitBreaker<Parameters<Send>, PushResult>>();

  const breakerFor = (origin: string) => {
    let breaker = breakers.get(origin);
    if (breaker) return breaker;
    breaker = new CircuitBreaker<Parameters<Send>, PushResult>(
      async (device, notification, sendOptions) => {
        const result = await sender.send(device, notification, sendOptions);
        if (result.kind === 'retry' && result.countsAgainstOrigin) throw new OriginFailure(result);
        return result;
      },
      {
        name: origin,
        // the adapters time their own requests out; a second timer here would only race them
        timeout: false,
        errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
        volumeThreshold: options.volumeThreshold ?? 10,
        resetTimeout: resetTimeoutMs,
        rollingCountTimeout: options.rollingWindowMs ?? 10_000,
      },
    );
    const host = originHost(origin);
    breaker.on('open', () => {
      options.logger?.warn({ origin, reset_ms: resetTimeoutMs }, 'push service circuit opened: sends to it are retried later');
      options.metrics?.breaker(host, 'open');
    });
    breaker.on('halfOpen', () => options.metrics?.breaker(host, 'half_open'));
    breaker.on('close', () => {
      options.logger?.info({ origin }, 'push service circuit closed');
      options.metrics?.breaker(host, 'closed');
    });
    breakers.set(origin, breaker);
    return breaker;
  };

  return {
    originOf: (device) => sender.originOf(device),
    async send(device, notification, sendOptions) {
      const origin = sender.originOf(device);
      const breaker = breakerFor(origin);
      try {
        return await breaker.fire(device, notification, sendOptions);
      } catch (error) {
        if (error instanceof OriginFailure) return error.result;
        if ((error as { code?: string }).code === 'EOPENBREAKER') {
          return {
            kind: 'retry',
            provider: device.type,
            reason: `circuit open for ${origin} (it failed repeatedly); not sent`,
            retryAfterMs: resetTimeoutMs,
            countsAgainstOrigin: false,
          };
        }
        throw error;
      }
    },
    breakerOf: (origin) => breakers.get(origin),
    async close() {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
      await sender.close?.();
    },
  };
}
