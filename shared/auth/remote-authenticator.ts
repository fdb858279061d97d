import { createHash } from 'node:crypto';
import type { Cache } from '../cache/cache.js';
import { createLocalMemo } from '../cache/local-memo.js';
import { getJson, setJson } from '../cache/cache.js';
import type { Fetcher } from '../clients/fetcher.js';
import { ServiceUnavailableError } from '../errors.js';
import { currentLogContext } from '../logging/context.js';
import { injectTraceContext } from '../tracing/trace-context.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from './principal.js';

export const INTROSPECT_PATH = '/internal/v1/auth/introspect';
const MAX_CREDENTIAL_LENGTH = 4096;

export interface RemoteAuthenticatorOptions {
  /** Reaches the user function, which owns API keys and users. */
  userFetcher: Fetcher;
  cache: Cache;
  /** How long an answer is reused; a revoked key keeps working at most this long (plus `localTtlMs`). */
  ttlMs?: number;
  /** How long this process reuses an answer without asking the shared cache. Default 2 s. */
  localTtlMs?: number;
}

/**
 * {@link Authenticator} for functions other than the user function: asks
 * the user function (`POST /internal/v1/auth/introspect`) and caches the
 * answer under a hash of the credential, never the credential itself.
 */
export function createRemoteAuthenticator(options: RemoteAuthenticatorOptions): Authenticator {
  const ttlMs = options.ttlMs ?? 30_000;
  const local = createLocalMemo<Principal | null>({ ttlMs: options.localTtlMs ?? 2_000 });
  return {
    async authenticate(credential) {
      // longer than any key or token we issue: unknown, without asking anyone
      if (credential.length > MAX_CREDENTIAL_LENGTH) return null;
      const key = `auth:${createHash('sha256').update(credential).digest('base64url')}`;
      return local.get(key, () => lookup(credential, key));
    },
  };

  async function lookup(credential: string, key: string): Promise<Principal | null> {
    const cached = await getJson<{ principal: Principal | null }>(options.cache, key);
    if (cached) return cached.principal;
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
    await setJson(options.cache, key, { principal: body.data.principal }, ttlMs);
    return body.data.principal;
  }
}
