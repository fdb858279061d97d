import type { PushSender } from './push-sender.js';

export const FCM_NOT_CONFIGURED =
  'FCM is not configured: set FCM_SERVICE_ACCOUNT_PATH or FCM_SERVICE_ACCOUNT_JSON to deliver to mobile push tokens';

/**
 * The {@link PushSender} for mobile tokens when FCM has no credentials:
 * every token device fails, with a reason that says what to set. Nothing is
 * pretended delivered. Not a configuration *error* per message (it was
 * logged once at startup), so it does not flood the logs.
 */
export function createMissingFcmSender(): PushSender {
  return {
    originOf: () => 'fcm:not-configured',
    async send() {
      return { kind: 'rejected', provider: 'fcm', reason: FCM_NOT_CONFIGURED, configuration: false };
    },
  };
}
