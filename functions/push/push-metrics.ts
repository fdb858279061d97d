import type { ProviderMetrics } from '../../shared/metrics/provider-metrics.js';
import type { PushResult, PushSender } from './senders/push-sender.js';

/** The failure class of a result for `provider_failures_total` (bounded, never a raw reason). */
function failureClass(result: Exclude<PushResult, { kind: 'delivered' }>): string {
  if (result.kind === 'rejected') return result.configuration ? 'configuration' : 'permanent';
  return result.kind === 'gone' ? 'gone' : 'transient';
}

/** Decorate a {@link PushSender} so every send is counted in the provider metrics (`web_push`, `fcm`). */
export function withPushMetrics<S extends PushSender>(sender: S, metrics: ProviderMetrics): S {
  return {
    ...sender,
    async send(device, notification, options) {
      const result = await sender.send(device, notification, options);
      if (result.kind === 'delivered') metrics.sent(result.provider, 'push');
      else metrics.failed(result.provider, failureClass(result), 'push');
      return result;
    },
  };
}
