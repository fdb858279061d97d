import { createHash } from 'node:crypto';
import type { Cache } from '../cache/cache.js';
import { createLocalMemo } from '../cache/local-memo.js';
import { type CacheSeal, getSealed, setSealed } from '../cache/sealed-values.js';
import type { Fetcher } from '../clients/fetcher.js';
import { ServiceUnavailableError } from '../errors.js';
import { currentLogContext } from '../logging/context.js';
import { injectTraceContext } from '../tracing/trace-context.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';
import { createTokenRevocations, REVOCATION_MARK_TTL_MS, unverifiedTokenSubject } from './token-revocations.js';

/** What is cached per credential: its principal and the revocation mark of its user when it was checked. */
interface CachedPrincipal {
  principal: Principal;
  mark: string | null;
}

export const INTROSPECT_PATH = '/internal/v1/auth/introspect';
const MAX_CREDENTIAL_LENGTH = 4096;

export interface RemoteAuthenticatorOptions {
  /** Reaches the user function, which owns API keys and users. */
  userFetcher: Fetcher;
  cache: Cache;
  /** Authenticates the cached principals: one written by anyone else reads as absent. */
  seal: CacheSeal;
  /**
   * How long an answer is reused; a revoked API key keeps working at most this
   * long (plus `localTtlMs`). A user token revoked by a password change or a
   * deletion is void at once in the shared cache (its revocation mark changed),
   * so it keeps working at most `localTtlMs` on a replica that checked it just before.
   */
  ttlMs?: number;
  /** How long this process reuses an answer without asking the shared cache. Default 2 s. */
  localTtlMs?: number;
}

/**
 * {@link Authenticator} for functions other than the user function: asks
 * the user function (`POST /internal/v1/auth/introspect`) and caches a
 * known credential's principal, sealed, under a hash of the credential (never
 * the credential itself). An unknown credential is remembered only in this
 * process, briefly, in a bounded memo of its own: no number of random
 * credentials adds a key to the shared cache or pushes a known one out.
 */
export function createRemoteAuthenticator(options: RemoteAuthenticatorOptions): Authenticator {
  // a cached principal must not outlive the revocation mark that would void it
  const ttlMs = Math.min(options.ttlMs ?? 30_000, REVOCATION_MARK_TTL_MS / 2);
  const revocations = createTokenRevocations(options);
  const localTtlMs = options.localTtlMs ?? 2_000;
  const known = createLocalMemo<Principal | null>({ ttlMs: localTtlMs, keep: (principal) => principal !== null });
  const unknown = createLocalMemo<Principal | null>({ ttlMs: localTtlMs, keep: (principal) => principal === null });
  return {
    async authenticate(credential) {
      // longer than any key or token we issue: unknown, without asking anyone
      if (credential.length > MAX_CREDENTIAL_LENGTH) return null;
      // a known credential is memoised under itself (only valid credentials get there, so nobody can
      // fill it with long random ones): a hit costs no hash; the shared cache and the memo of unknown
      // credentials are keyed by the hash
      return known.get(credential, () => {
        const key = `auth:${createHash('sha256').update(credential).digest('base64url')}`;
        return unknown.get(key, () => lookup(credential, key));
      });
    },
  };

  async function lookup(credential: string, key: string): Promise<Principal | null> {
    const subject = unverifiedTokenSubject(credential);
    const [cached, mark] = await Promise.all([
      getSealed<CachedPrincipal>(options.cache, options.seal, key),
      subject ? revocations.latest(subject) : null,
    ]);
    // cached under another revocation mark: the user's tokens were revoked since, ask again
    if (cached?.principal && cached.mark === mark) return cached.principal;
    let res: Response;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    // the user function's log lines and spans for this check join the request that needed it
    const correlationId = currentLogContext().correlation_id;
    if (correlationId) headers['x-correlation-id'] = correlationId;
    injectTraceContext(headers);
    try {
      res = await options.userFetcher(
        new Request(`http://user${INTROSPECT_PATH}`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ credential }),
        }),
      );
    } catch (err) {
      throw new ServiceUnavailableError('The user function is unreachable; cannot check credentials', { cause: err });
    }
    // a 4xx is the user function refusing this credential, not the function being down
    if (res.status >= 400 && res.status < 500) return null;
    if (!res.ok) throw new ServiceUnavailableError(`The user function answered ${res.status} to a credential check`);
    const body = (await res.json()) as { data: { principal: Principal | null } };
    const principal = body.data.principal;
    // the mark read before asking: a revocation after this point changes it, and voids this entry
    const cacheable = principal && (principal.kind !== 'user' || principal.userId === subject);
    if (cacheable) await setSealed(options.cache, options.seal, key, { principal, mark } satisfies CachedPrincipal, ttlMs);
    return principal;
  }
}
