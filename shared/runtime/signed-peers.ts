import { createInternalCredentialIssuer, INTERNAL_CREDENTIAL_HEADER } from '../auth/internal-credential.js';
import type { Fetcher } from '../clients/fetcher.js';
import type { Peers } from './function-module.js';
import type { FunctionName } from './function-names.js';

/**
 * The peers a function calls, each call to an `/internal/` path carrying a
 * fresh service credential (caller = `self`, audience = the peer). Public
 * paths the gateway forwards go unsigned: a client's request gains no
 * service authority by passing through. Every function builds its clients
 * on these, whatever the entry point handed it (in-process `app.fetch`,
 * service URLs, function URLs).
 */
export function signedPeers(peers: Peers, options: { self: FunctionName; secret: string }): Peers {
  const issuer = createInternalCredentialIssuer({ secret: options.secret, caller: options.self });
  return {
    fetcher(name) {
      const inner = peers.fetcher(name);
      const signed: Fetcher = (request) => {
        if (!new URL(request.url).pathname.startsWith('/internal/')) return inner(request);
        const headers = new Headers(request.headers);
        headers.set(INTERNAL_CREDENTIAL_HEADER, issuer.issue(name));
        return inner(new Request(request, { headers }));
      };
      return signed;
    },
  };
}
