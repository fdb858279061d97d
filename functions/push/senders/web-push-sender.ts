import webpush from 'web-push';
import type { Logger } from '../../../shared/logging/logger.js';
import { createSafeOutbound, type HostLookup, type OutboundPolicy } from '../../../shared/net/safe-outbound.js';
import { classifyOutboundFailure, classifyWebPushResponse } from './classify-push-response.js';
import type { PushResult, PushSender } from './push-sender.js';

/**
 * Largest plaintext that fits one aes128gcm record within the 4096 bytes
 * every push service must accept (RFC 8030 section 7.2): 4096 minus the
 * header (16 salt + 4 record size + 1 key id length + 65 key id), the
 * 16-byte tag and the 1-byte padding delimiter.
 */
export const MAX_WEB_PUSH_PLAINTEXT_BYTES = 4096 - 86 - 16 - 1;

/** Largest response body read (push services answer with a short text; none of it reaches the timeline). */
const MAX_ANSWER_BYTES = 4096;

/** VAPID JWTs live 12 hours (the spec caps them at 24) and are renewed an hour before they expire. */
const VAPID_JWT_LIFETIME_S = 12 * 3600;
const VAPID_JWT_RENEW_MARGIN_S = 3600;

export interface VapidIdentity {
  publicKey: string;
  privateKey: string;
  /** `mailto:` or `https:` contact the push service may use to reach the sender. */
  subject: string;
}

export interface WebPushSenderOptions {
  vapid: VapidIdentity;
  /** A send with no answer within this is abandoned and retried. */
  timeoutMs: number;
  /** Extra CA certificate (PEM) to trust besides the system roots (the local push service in development). */
  extraCaPem?: string;
  /**
   * Which endpoints may be called (config `push.endpointPolicy`): checked at
   * every send, the host resolved once and the socket opened to the checked
   * address (`shared/net/safe-outbound.ts`).
   */
  endpointPolicy: OutboundPolicy;
  /** Name resolution (the system resolver by default). */
  lookup?: HostLookup;
  /** Where a transport failure's cause is logged (the timeline gets only its code). */
  logger?: Logger;
  /** Sockets kept per push service address; connections are reused (keep-alive). */
  maxSocketsPerOrigin?: number;
  now?: () => number;
}

/**
 * Web Push adapter of {@link PushSender}: encrypts with aes128gcm (RFC 8291)
 * and signs a VAPID JWT (RFC 8292) with the `web-push` package
 * (`generateRequestDetails`), then POSTs through the safe outbound client
 * (endpoint policy at send time, keep-alive connections). The
 * VAPID JWT is signed once per push service origin and reused until near
 * its expiry, instead of once per message.
 */
export function createWebPushSender(options: WebPushSenderOptions): PushSender {
  const now = options.now ?? Date.now;
  const outbound = createSafeOutbound({
    policy: options.endpointPolicy,
    timeoutMs: options.timeoutMs,
    maxResponseBytes: MAX_ANSWER_BYTES,
    maxSocketsPerAddress: options.maxSocketsPerOrigin ?? 64,
    ...(options.extraCaPem && { extraCaPem: options.extraCaPem }),
    ...(options.lookup && { lookup: options.lookup }),
  });
  const vapidByAudience = new Map<string, { authorization: string; expiresAt: number }>();

  const vapidAuthorization = (audience: string): string => {
    const nowS = Math.floor(now() / 1000);
    const cached = vapidByAudience.get(audience);
    if (cached && cached.expiresAt - VAPID_JWT_RENEW_MARGIN_S > nowS) return cached.authorization;
    const expiresAt = nowS + VAPID_JWT_LIFETIME_S;
    const { Authorization } = webpush.getVapidHeaders(
      audience,
      options.vapid.subject,
      options.vapid.publicKey,
      options.vapid.privateKey,
      'aes128gcm',
      expiresAt,
    );
    vapidByAudience.set(audience, { authorization: Authorization, expiresAt });
    return Authorization;
  };

  const post = async (details: webpush.RequestDetails): Promise<PushResult> => {
    const result = await outbound.request({
      url: details.endpoint,
      method: 'POST',
      headers: details.headers as Record<string, string | number>,
      ...(details.body && { body: details.body }),
    });
    if (!result.ok) {
      // the code only reaches the timeline; the operator's log gets the cause too
      options.logger?.warn(
        { origin: new URL(details.endpoint).origin, failure: result.failure, address: result.address, err: result.cause },
        'push endpoint not reached',
      );
      return classifyOutboundFailure('web_push', result.failure);
    }
    return classifyWebPushResponse({
      statusCode: result.status,
      headers: result.headers,
      body: result.body.toString('utf8'),
      endpoint: details.endpoint,
    });
  };

  return {
    originOf(device) {
      return device.type === 'web_push' ? new URL(device.endpoint).origin : 'fcm';
    },

    async send(device, notification, sendOptions): Promise<PushResult> {
      if (device.type !== 'web_push') {
        return {
          kind: 'rejected',
          provider: 'web_push',
          reason: `the Web Push sender cannot send to a ${device.type} device`,
          configuration: true,
        };
      }
      let endpoint: URL;
      try {
        endpoint = new URL(device.endpoint);
      } catch {
        return { kind: 'rejected', provider: 'web_push', reason: 'subscription endpoint is not a URL', configuration: false };
      }
      // refused before the payload is encrypted; `post` checks again, with the resolved address
      const refusal = outbound.refusal(endpoint);
      if (refusal) return classifyOutboundFailure('web_push', refusal);
      const payload = JSON.stringify(notification);
      const size = Buffer.byteLength(payload);
      if (size > MAX_WEB_PUSH_PLAINTEXT_BYTES) {
        return {
          kind: 'rejected',
          provider: 'web_push',
          reason: `payload of ${size} bytes exceeds the Web Push limit of ${MAX_WEB_PUSH_PLAINTEXT_BYTES} bytes (4 KB encrypted)`,
          configuration: false,
        };
      }

      let details: webpush.RequestDetails;
      try {
        details = webpush.generateRequestDetails({ endpoint: device.endpoint, keys: device.keys }, payload, {
          TTL: sendOptions.ttlSeconds,
          urgency: sendOptions.urgency,
          ...(sendOptions.topic && { topic: sendOptions.topic }),
          // the JWT is signed here once per origin (see vapidAuthorization), not per message by the library
          vapidDetails: null as unknown as undefined,
          headers: { Authorization: vapidAuthorization(endpoint.origin) },
        });
      } catch (error) {
        // thrown before any I/O: the stored subscription keys (or our options) are malformed
        const message = error instanceof Error ? error.message : String(error);
        return {
          kind: 'rejected',
          provider: 'web_push',
          reason: `cannot encrypt for this subscription: ${message}`,
          configuration: false,
        };
      }

      return post(details);
    },

    async close() {
      await outbound.close();
    },
  };
}
