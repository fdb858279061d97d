import { createInternalCredentialIssuer, INTERNAL_CREDENTIAL_HEADER } from '../auth/internal-credential.js';
import type { Fetcher } from '../clients/fetcher.js';
import type { FunctionName } from '../runtime/function-names.js';
import { signedPeers } from '../runtime/signed-peers.js';

/** Headers of a call to `audience`'s `/internal/v1` routes as `caller` would send them (tests that call them directly). */
export function internalHeaders(
  secret: string,
  audience: FunctionName,
  caller: FunctionName = 'gateway',
): Record<string, string> {
  return { [INTERNAL_CREDENTIAL_HEADER]: createInternalCredentialIssuer({ secret, caller }).issue(audience) };
}

/** A fetcher into `app` as another function reaches it in one process: its `/internal` calls carry a service credential. */
export function peerFetcher(
  app: { fetch(request: Request): Response | Promise<Response> },
  options: { secret: string; audience: FunctionName; caller?: FunctionName },
): Fetcher {
  const reach = { fetcher: (): Fetcher => async (request) => app.fetch(request) };
  return signedPeers(reach, { self: options.caller ?? 'gateway', secret: options.secret }).fetcher(options.audience);
}
