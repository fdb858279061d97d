import { createHmac, timingSafeEqual } from 'node:crypto';
import { FUNCTION_NAMES, type FunctionName } from '../runtime/function-names.js';

/** The header that carries a service credential on every call to an `/internal/v1` route. */
export const INTERNAL_CREDENTIAL_HEADER = 'x-internal-credential';
/** The longest a service credential may live; a token that claims more is refused. */
export const MAX_INTERNAL_CREDENTIAL_TTL_SECONDS = 60;
const DEFAULT_TTL_SECONDS = 30;
const VERSION = 'v1';

/** Who presented a valid service credential. */
export interface InternalCaller {
  caller: FunctionName;
}

export interface InternalCredentialIssuerOptions {
  /** INTERNAL_SECRET (or the one generated under `npm start`). */
  secret: string;
  /** The function that calls. */
  caller: FunctionName;
  /** Lifetime of each credential, at most {@link MAX_INTERNAL_CREDENTIAL_TTL_SECONDS}. */
  ttlSeconds?: number;
  now?: () => number;
}

/** Port: issues the credential one function shows another. */
export interface InternalCredentialIssuer {
  /** A fresh credential for a call to `audience`. */
  issue(audience: FunctionName): string;
}

/**
 * Service credentials: `v1.<caller>.<audience>.<expiry, unix seconds>.<HMAC-SHA256>`,
 * signed with INTERNAL_SECRET. Bound to the function it is for (a credential
 * for the template function opens nothing on the user function) and short-lived.
 */
export function createInternalCredentialIssuer(options: InternalCredentialIssuerOptions): InternalCredentialIssuer {
  const ttlSeconds = Math.min(options.ttlSeconds ?? DEFAULT_TTL_SECONDS, MAX_INTERNAL_CREDENTIAL_TTL_SECONDS);
  const now = options.now ?? Date.now;
  return {
    issue(audience) {
      const expiry = Math.floor(now() / 1000) + ttlSeconds;
      const claims = `${VERSION}.${options.caller}.${audience}.${expiry}`;
      return `${claims}.${mac(options.secret, claims)}`;
    },
  };
}

export interface VerifyInternalCredentialOptions {
  secret: string;
  /** The function being called: a credential for another is refused. */
  audience: FunctionName;
  now?: () => number;
}

/** The caller of a valid credential for `audience`; null for anything else (absent, forged, expired, too long-lived). */
export function verifyInternalCredential(
  credential: string | undefined,
  options: VerifyInternalCredentialOptions,
): InternalCaller | null {
  if (!credential || credential.length > 200) return null;
  const parts = credential.split('.');
  if (parts.length !== 5) return null;
  const [version, caller, audience, expiryText, signature] = parts as [string, string, string, string, string];
  if (version !== VERSION || audience !== options.audience || !isFunctionName(caller) || !/^\d{1,12}$/.test(expiryText)) {
    return null;
  }
  const expected = Buffer.from(mac(options.secret, `${version}.${caller}.${audience}.${expiryText}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const expiry = Number(expiryText);
  if (expiry < nowSeconds || expiry > nowSeconds + MAX_INTERNAL_CREDENTIAL_TTL_SECONDS) return null;
  return { caller };
}

function mac(secret: string, claims: string): string {
  return createHmac('sha256', secret).update(`internal-credential:${claims}`).digest('base64url');
}

function isFunctionName(value: string): value is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(value);
}
