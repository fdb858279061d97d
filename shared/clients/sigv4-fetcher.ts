import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Fetcher } from './fetcher.js';

export interface SigV4FetcherOptions {
  region: string;
  /** The AWS service the URL belongs to: `lambda` for Function URLs. */
  service?: string;
  /** Default: the SDK's chain (in Lambda, the function role's credentials from its environment). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Sends the signed request (default: `fetch`). */
  send?: Fetcher;
}

/**
 * A {@link Fetcher} that signs each request with AWS Signature Version 4
 * before sending it: what an IAM-authenticated Lambda Function URL requires,
 * so in AWS no function is reachable without the caller's AWS credentials.
 * Signs the final URL, method, every header and the body.
 */
export function createSigV4Fetcher(options: SigV4FetcherOptions): Fetcher {
  const signer = new SignatureV4({
    service: options.service ?? 'lambda',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
  });
  const send = options.send ?? ((request: Request) => fetch(request));
  return async (request) => {
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = { host: url.host };
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port && { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers,
      ...(body && { body }),
    });
    const { host: _host, ...sent } = signed.headers;
    return send(new Request(url, { method: request.method, headers: sent, ...(body && { body }), signal: request.signal }));
  };
}
