import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring one-click unsubscribe links (RFC 8058). The email
 * function writes them into `List-Unsubscribe`; the user function verifies
 * them on `POST /api/v1/users/:user_id/unsubscribe`. The link is the only
 * credential (a mail client posts it without any login), so it names exactly
 * one user and one category, and it expires.
 *
 * Both sides derive the HMAC key from the shared token secret with a purpose
 * label, so a link signature can never be replayed as a JWT signature or the
 * other way round.
 */

const PURPOSE = 'unsubscribe-link/v1';

export interface UnsubscribeClaim {
  userId: string;
  category: string;
  /** Unix seconds after which the link is refused. */
  expires: number;
}

export type UnsubscribeVerdict = { ok: true } | { ok: false; reason: 'invalid' | 'expired' };

function linkKey(secret: string): Buffer {
  return createHmac('sha256', secret).update(PURPOSE).digest();
}

/** The signature of one claim: base64url HMAC-SHA256. */
export function signUnsubscribe(secret: string, claim: UnsubscribeClaim): string {
  return createHmac('sha256', linkKey(secret)).update(`${claim.userId}\n${claim.category}\n${claim.expires}`).digest('base64url');
}

/** Check a signature in constant time, then the expiry. */
export function verifyUnsubscribe(
  secret: string,
  claim: UnsubscribeClaim,
  signature: string,
  nowMs: number = Date.now(),
): UnsubscribeVerdict {
  const expected = Buffer.from(signUnsubscribe(secret, claim));
  const given = Buffer.from(signature);
  if (!Number.isSafeInteger(claim.expires) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'invalid' };
  }
  // checked after the signature, so a forged link learns nothing about expiry
  if (claim.expires * 1000 < nowMs) return { ok: false, reason: 'expired' };
  return { ok: true };
}

export interface UnsubscribeUrlOptions {
  /** Public base URL of the platform (the gateway forwards `/api/v1/users*` to the user function). */
  baseUrl: string;
  secret: string;
  userId: string;
  category: string;
  ttlMs: number;
  nowMs?: number;
}

/** `https://host/api/v1/users/<id>/unsubscribe?category=&expires=&sig=`. */
export function createUnsubscribeUrl(options: UnsubscribeUrlOptions): string {
  const expires = Math.floor(((options.nowMs ?? Date.now()) + options.ttlMs) / 1000);
  const claim = { userId: options.userId, category: options.category, expires };
  const url = new URL(`api/v1/users/${encodeURIComponent(options.userId)}/unsubscribe`, withTrailingSlash(options.baseUrl));
  url.searchParams.set('category', options.category);
  url.searchParams.set('expires', String(expires));
  url.searchParams.set('sig', signUnsubscribe(options.secret, claim));
  return url.toString();
}

function withTrailingSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}
