import { z } from 'zod';
import type { PushMessage } from '../../../shared/messages.js';
import type { RenderedPush } from '../../../shared/schemas/rendered-content.js';
import { PUSH_URGENCIES, type PushNotification, type PushSendOptions, type PushUrgency } from './push-sender.js';

/** Priorities at or above this wake the device at once (`Urgency: high`). */
const HIGH_PRIORITY = 8;

export interface PushDefaults {
  ttlSeconds: number;
  urgency: PushUrgency;
}

/**
 * Per-message overrides a producer may put in `metadata`. Bad values are
 * ignored (the defaults apply): a typo in a hint must not lose the push.
 */
const hints = z.object({
  // RFC 8030 lets push services cap TTL; 28 days is what FCM and Mozilla keep at most
  ttl_seconds: z.int().min(0).max(2_419_200).optional().catch(undefined),
  urgency: z.enum(PUSH_URGENCIES).optional().catch(undefined),
  // Web Push Topic: at most 32 URL-safe base64 characters (RFC 8030 5.4)
  topic: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .optional()
    .catch(undefined),
});

/** TTL, urgency and topic of one message: its metadata hints, else priority and the configured defaults. */
export function sendOptionsOf(message: PushMessage, defaults: PushDefaults): PushSendOptions {
  const hinted = hints.parse(message.metadata ?? {});
  return {
    ttlSeconds: hinted.ttl_seconds ?? defaults.ttlSeconds,
    urgency: hinted.urgency ?? (message.priority >= HIGH_PRIORITY ? 'high' : defaults.urgency),
    ...(hinted.topic && { topic: hinted.topic }),
  };
}

/** What the device receives: the rendered rich notification, tagged with its id. */
export function notificationOf(message: PushMessage, content: RenderedPush): PushNotification {
  return {
    notification_id: message.notification_id,
    title: content.title,
    body: content.body,
    ...(content.image && { image: content.image }),
    ...(content.url && { url: content.url }),
    ...(content.icon && { icon: content.icon }),
    ...(content.data && Object.keys(content.data).length > 0 && { data: content.data }),
  };
}
