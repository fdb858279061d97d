import { createPublicKey, type KeyObject, verify } from 'node:crypto';

/** VAPID JWTs may live at most 24 hours (RFC 8292 section 2). */
const MAX_JWT_LIFETIME_S = 24 * 3600;

export type VapidCheck =
  | { ok: true; publicKey: string; subject: string; expiresAt: number }
  | { ok: false; status: 401 | 403; reason: string };

const keyCache = new Map<string, KeyObject>();

function publicKeyOf(k: string): KeyObject {
  let key = keyCache.get(k);
  if (!key) {
    const point = Buffer.from(k, 'base64url');
    if (point.length !== 65 || point[0] !== 0x04) throw new Error('k is not an uncompressed P-256 public key');
    key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    // a handful of senders at most; the bound only guards against a flood of junk keys
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(k, key);
  }
  return key;
}

/**
 * Check an `Authorization: vapid t=<jwt>, k=<public key>` header the way a
 * push service does (RFC 8292): ES256 signature against `k`, `aud` equal to
 * the push service origin, `exp` in the future and within 24 hours, and a
 * `sub` contact. 401 when missing or malformed, 403 when it does not verify.
 */
export function verifyVapidAuthorization(header: string | undefined, audience: string, nowMs: number = Date.now()): VapidCheck {
  if (!header) return { ok: false, status: 401, reason: 'missing Authorization header' };
  const match = /^vapid\s+(.+)$/i.exec(header.trim());
  if (!match) return { ok: false, status: 401, reason: 'Authorization scheme is not vapid' };
  const params = new Map<string, string>();
  for (const part of match[1]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const token = params.get('t');
  const k = params.get('k');
  if (!token || !k) return { ok: false, status: 401, reason: 'vapid Authorization needs t= and k=' };
  const pieces = token.split('.');
  if (pieces.length !== 3) return { ok: false, status: 401, reason: 't is not a JWT' };
  const [headerPart, claimsPart, signaturePart] = pieces as [string, string, string];

  let jwtHeader: { alg?: string; typ?: string };
  let claims: { aud?: string; exp?: number; sub?: string };
  try {
    jwtHeader = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, status: 401, reason: 'JWT parts are not JSON' };
  }
  if (jwtHeader.alg !== 'ES256') return { ok: false, status: 401, reason: `JWT alg must be ES256 (got ${jwtHeader.alg})` };

  let key: KeyObject;
  try {
    key = publicKeyOf(k);
  } catch (error) {
    return { ok: false, status: 401, reason: (error as Error).message };
  }
  const signature = Buffer.from(signaturePart, 'base64url');
  const signed = verify('sha256', Buffer.from(`${headerPart}.${claimsPart}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!signed) return { ok: false, status: 403, reason: 'JWT signature does not verify against k' };

  const nowS = Math.floor(nowMs / 1000);
  if (claims.aud !== audience) return { ok: false, status: 403, reason: `JWT aud ${claims.aud} is not ${audience}` };
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) return { ok: false, status: 403, reason: 'JWT expired' };
  if (claims.exp > nowS + MAX_JWT_LIFETIME_S) return { ok: false, status: 403, reason: 'JWT exp is more than 24 hours ahead' };
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) {
    return { ok: false, status: 403, reason: 'JWT sub must be a mailto: or https: contact' };
  }
  return { ok: true, publicKey: k, subject: claims.sub, expiresAt: claims.exp };
}
