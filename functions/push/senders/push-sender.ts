import type { PushDevice } from '../../../shared/clients/user-client.js';

export type { PushDevice } from '../../../shared/clients/user-client.js';

/** RFC 8030 urgency: how soon the device should wake for the message. */
export type PushUrgency = 'very-low' | 'low' | 'normal' | 'high';
export const PUSH_URGENCIES = ['very-low', 'low', 'normal', 'high'] as const;

/** The rendered notification as the device's code receives it (snake_case, it is wire format). */
export interface PushNotification {
  notification_id: string;
  title: string;
  body: string;
  image?: string;
  url?: string;
  icon?: string;
  data?: Record<string, string>;
}

/** Delivery hints that travel with every send. */
export interface PushSendOptions {
  /** Seconds the push service keeps the message for an offline device (0 = now or never). */
  ttlSeconds: number;
  urgency: PushUrgency;
  /**
   * Replaces a still-undelivered message with the same topic on the device
   * (Web Push `Topic`, FCM `collapse_key`, APNs `apns-collapse-id`).
   * At most 32 URL-safe base64 characters.
   */
  topic?: string;
}

/**
 * What one send to one device came to. The adapters never throw for an
 * answer of the push service: every answer is classified into one of these
 * in `classify-push-response.ts`.
 *
 * - `delivered`: the push service accepted the message (Web Push 201, FCM 200).
 * - `gone`: the device no longer exists (404/410, FCM `UNREGISTERED`); prune it.
 * - `retry`: transient (429, 5xx, timeout, open circuit); send again later,
 *   no sooner than `retryAfterMs` when given.
 * - `rejected`: permanent for this message; `configuration` marks our own
 *   mistakes (bad VAPID keys, wrong sender), which deserve a loud log but
 *   do not mean the device is dead.
 */
export type PushResult =
  | { kind: 'delivered'; provider: PushProvider; statusCode: number; providerMessageId?: string }
  | { kind: 'gone'; provider: PushProvider; statusCode: number; reason: string }
  | {
      kind: 'retry';
      provider: PushProvider;
      statusCode?: number;
      reason: string;
      retryAfterMs?: number;
      countsAgainstOrigin: boolean;
    }
  | { kind: 'rejected'; provider: PushProvider; statusCode?: number; reason: string; configuration: boolean };

export type PushProvider = 'web_push' | 'fcm';

/**
 * Port: delivers one notification to one device through its push service.
 * Adapters: Web Push with VAPID (`createWebPushSender`), FCM HTTP v1
 * (`createFcmSender`), and `createMissingFcmSender` when FCM has no
 * credentials. `createPushSenderRouter` picks one by device type and
 * `withOriginBreakers` adds a circuit breaker per push service origin.
 *
 * `send` resolves with a {@link PushResult} for every outcome, network
 * failures and timeouts included; it rejects only on a programming error.
 */
export interface PushSender {
  /** The push service origin `device` is sent through (`https://fcm.googleapis.com`); the breaker key. */
  originOf(device: PushDevice): string;
  send(device: PushDevice, notification: PushNotification, options: PushSendOptions): Promise<PushResult>;
  /** Release connections and timers. */
  close?(): Promise<void>;
}
