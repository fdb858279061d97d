import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One delivery the receiver verified. */
export interface Received {
  id: string;
  type: string;
  notificationId: string;
  /** The signatures it carried (`v1,...` each). */
  signatures: string[];
  body: string;
  headers: Record<string, string>;
}

export interface WebhookReceiver {
  url: string;
  /** Every delivery that passed verification and was answered 200, in arrival order (duplicates included). */
  received: Received[];
  /** Requests answered 503 during the outage. */
  refused: number;
  /** Requests whose signature did not verify (answered 400): must stay 0. */
  unverified: string[];
  /** The secret deliveries are verified with (set once the endpoint exists). */
  secret: string | undefined;
  close(): Promise<void>;
}

/**
 * A customer's receiver on a real port (bound to port 0): it verifies every
 * request with the `standardwebhooks` package. It answers 503 (every other
 * one with `Retry-After: 1`) for `outageMs` from the first request on, 200 after.
 */
export async function startWebhookReceiver(options: { outageMs: number }): Promise<WebhookReceiver> {
  let outageUntil: number | undefined;
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    refused: 0,
    unverified: [],
    secret: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      outageUntil ??= Date.now() + options.outageMs;
      if (Date.now() < outageUntil) {
        receiver.refused += 1;
        res.writeHead(503, receiver.refused % 2 === 0 ? { 'retry-after': '1' } : {}).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = flat(req.headers);
      try {
        const payload = new Webhook(receiver.secret!).verify(body, headers) as { type: string; data: { id: string } };
        receiver.received.push({
          id: headers['webhook-id']!,
          type: payload.type,
          notificationId: payload.data.id,
          signatures: headers['webhook-signature']!.split(' '),
          body,
          headers,
        });
        res.writeHead(200).end('ok');
      } catch (err) {
        receiver.unverified.push(`${headers['webhook-id']}: ${err instanceof Error ? err.message : String(err)}`);
        res.writeHead(400).end();
      }
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}
