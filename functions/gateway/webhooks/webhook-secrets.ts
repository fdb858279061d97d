import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** How long the secret a rotation replaced keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** A new signing secret: `whsec_` and 32 random bytes in base64, as the Standard Webhooks libraries read it. */
export function createWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The secrets that sign now: the current one, and the one a rotation replaced while its overlap lasts. */
export interface SigningKeys {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

/**
 * The Standard Webhooks headers of one attempt: `webhook-id`,
 * `webhook-timestamp` (seconds) and `webhook-signature`, one `v1,<base64
 * HMAC-SHA256 of "id.timestamp.body">` per signing secret, space-separated,
 * so a receiver holding either secret verifies during a rotation.
 */
export function signatureHeaders(keys: SigningKeys, id: string, at: Date, body: string): Record<string, string> {
  const secrets = [keys.secret];
  if (keys.previousSecret && keys.previousSecretExpiresAt && keys.previousSecretExpiresAt > at) {
    secrets.push(keys.previousSecret);
  }
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  };
}
