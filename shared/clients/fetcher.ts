/**
 * How one function calls another: a `fetch`-shaped function. In one process
 * (`npm start`) it is the other app's `app.fetch` (same code path, no
 * socket); in containers it is `fetch` against the service URL.
 */
export type Fetcher = (request: Request) => Promise<Response>;

/**
 * A {@link Fetcher} that sends to `baseUrl`, keeping path and query of the
 * request; `send` puts it on the wire (default `fetch`; in AWS a SigV4 signer).
 */
export function createUrlFetcher(baseUrl: string, timeoutMs = 5000, send?: Fetcher): Fetcher {
  const base = new URL(baseUrl);
  return (request) => {
    const incoming = new URL(request.url);
    const target = new URL(incoming.pathname + incoming.search, base);
    const signal = AbortSignal.timeout(timeoutMs);
    if (!send) return fetch(new Request(target, request), { signal });
    return send(new Request(new Request(target, request), { signal }));
  };
}
