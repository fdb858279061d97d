import type { PushSender } from './push-sender.js';

/** One {@link PushSender} over both device types: Web Push subscriptions and mobile (FCM) tokens. */
export function createPushSenderRouter(senders: { webPush: PushSender; fcm: PushSender }): PushSender {
  const pick = (type: 'web_push' | 'fcm') => (type === 'web_push' ? senders.webPush : senders.fcm);
  return {
    originOf: (device) => pick(device.type).originOf(device),
    send: (device, notification, options) => pick(device.type).send(device, notification, options),
    async close() {
      await Promise.all([senders.webPush.close?.(), senders.fcm.close?.()]);
    },
  };
}
