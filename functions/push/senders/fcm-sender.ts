import { classifyFcmResponse, classifyTransportError } from './classify-push-response.js';
import { type AccessTokenSource, FcmAuthError } from './fcm-auth.js';
import type { PushNotification, PushResult, PushSender, PushSendOptions } from './push-sender.js';

/** FCM refuses messages whose notification and data exceed 4096 bytes. */
export const MAX_FCM_PAYLOAD_BYTES = 4096;

export interface FcmSenderOptions {
  projectId: string;
  tokens: AccessTokenSource;
  /** `https://fcm.googleapis.com`, or an emulator / test server. */
  endpoint: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The FCM v1 `message` for one token: notification + data for every platform, with TTL, priority and collapse key mapped per platform. */
export function fcmMessage(token: string, notification: PushNotification, options: PushSendOptions, nowMs: number) {
  const data: Record<string, string> = {
    ...notification.data,
    notification_id: notification.notification_id,
    ...(notification.url && { url: notification.url }),
    ...(notification.icon && { icon: notification.icon }),
  };
  const high = options.urgency === 'high';
  return {
    token,
    notification: {
      title: notification.title,
      body: notification.body,
      ...(notification.image && { image: notification.image }),
    },
    data,
    android: {
      ttl: `${options.ttlSeconds}s`,
      priority: high ? 'HIGH' : 'NORMAL',
      ...(options.topic && { collapse_key: options.topic }),
    },
    apns: {
      headers: {
        'apns-priority': high ? '10' : '5',
        'apns-expiration': String(Math.floor(nowMs / 1000) + options.ttlSeconds),
        ...(options.topic && { 'apns-collapse-id': options.topic }),
      },
    },
  };
}

/**
 * FCM HTTP v1 adapter of {@link PushSender} for mobile tokens: OAuth2
 * service account tokens from {@link AccessTokenSource}, one
 * `POST /v1/projects/:project/messages:send` per device, answers
 * classified in `classify-push-response.ts`.
 */
export function createFcmSender(options: FcmSenderOptions): PushSender {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const origin = new URL(options.endpoint).origin;
  const sendUrl = new URL(`/v1/projects/${encodeURIComponent(options.projectId)}/messages:send`, options.endpoint).toString();

  return {
    originOf: () => origin,

    async send(device, notification, sendOptions): Promise<PushResult> {
      if (device.type !== 'fcm') {
        return {
          kind: 'rejected',
          provider: 'fcm',
          reason: `the FCM sender cannot send to a ${device.type} device`,
          configuration: true,
        };
      }
      const message = fcmMessage(device.push_token, notification, sendOptions, now());
      const size = Buffer.byteLength(JSON.stringify({ notification: message.notification, data: message.data }));
      if (size > MAX_FCM_PAYLOAD_BYTES) {
        return {
          kind: 'rejected',
          provider: 'fcm',
          reason: `payload of ${size} bytes exceeds the FCM limit of ${MAX_FCM_PAYLOAD_BYTES} bytes`,
          configuration: false,
        };
      }

      let accessToken: string;
      try {
        accessToken = await options.tokens.token();
      } catch (error) {
        if (error instanceof FcmAuthError && !error.retryable) {
          return { kind: 'rejected', provider: 'fcm', reason: error.message, configuration: true };
        }
        return { kind: 'retry', provider: 'fcm', reason: (error as Error).message, countsAgainstOrigin: false };
      }

      let response: Response;
      try {
        response = await doFetch(sendUrl, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ message }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        return classifyTransportError('fcm', error);
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      if (response.status === 401) options.tokens.invalidate();
      return classifyFcmResponse({ statusCode: response.status, headers: response.headers, body });
    },
  };
}
