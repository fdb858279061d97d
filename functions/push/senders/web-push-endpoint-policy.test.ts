import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { DEFAULT_PUSH_HOSTS } from '../../../shared/config-push.js';
import type { HostLookup } from '../../../shared/net/outbound-policy.js';
import { LOCAL_PUSH_ENDPOINT_POLICY } from '../../../shared/test-support/local-push-policy.js';
import { reservePort } from '../../../shared/test-support/reserved-port.js';
import { type LocalPushService, startLocalPushService } from '../local/local-push-service.js';
import type { PushDevice, PushNotification, PushSendOptions } from './push-sender.js';
import { createWebPushSender } from './web-push-sender.js';

/**
 * The push worker checks a device's endpoint again at send time (issue 13
 * item 6): a device stored before the rules, or a name whose DNS answer
 * changed since registration, must not make the worker POST into the
 * private network; and whatever the endpoint answers or the socket says
 * never reaches the reason the timeline shows.
 */
const OPTIONS: PushSendOptions = { ttlSeconds: 60, urgency: 'normal' };
const NOTE: PushNotification = { notification_id: '0b5f2a43-3a4c-4b8e-9d5e-1f2a3b4c5d6e', title: 'Hi', body: 'There' };
const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' };

function countingLookup(table: Record<string, string>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    calls.push(hostname);
    const address = table[hostname];
    if (!address) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  return Object.assign(lookup, { calls });
}

describe('Web Push sender: the endpoint policy at send time', () => {
  let service: LocalPushService;
  beforeAll(async () => {
    service = await startLocalPushService();
  });
  afterAll(() => service.close());

  const deviceAt = (endpoint: string): PushDevice => {
    const sub = service.createSubscription({ applicationServerKey: vapid.publicKey });
    return { id: sub.id, type: 'web_push', endpoint, keys: sub.keys };
  };

  it('a name that resolves to loopback is refused, and the push service listening there gets nothing', async () => {
    const lookup = countingLookup({ 'push.attacker.example': '127.0.0.1' });
    const sender = createWebPushSender({
      vapid,
      endpointPolicy: { allowedHosts: ['*'] },
      lookup,
      timeoutMs: 2000,
      extraCaPem: service.certificatePem,
    });
    const sub = service.createSubscription({ applicationServerKey: vapid.publicKey });
    const port = new URL(service.origin).port;

    const result = await sender.send(
      { id: sub.id, type: 'web_push', endpoint: `https://push.attacker.example:${port}/push/${sub.id}`, keys: sub.keys },
      NOTE,
      OPTIONS,
    );

    expect(result).toEqual({
      kind: 'rejected',
      provider: 'web_push',
      reason: 'push endpoint refused: blocked_address',
      configuration: false,
    });
    expect(lookup.calls).toEqual(['push.attacker.example']);
    expect(service.messages(sub.id)).toHaveLength(0);
    await sender.close?.();
  });

  it('an endpoint off the push service allow-list is refused before any lookup', async () => {
    const lookup = countingLookup({ 'push.attacker.example': '8.8.8.8' });
    const sender = createWebPushSender({ vapid, endpointPolicy: { allowedHosts: DEFAULT_PUSH_HOSTS }, lookup, timeoutMs: 2000 });

    const result = await sender.send(deviceAt('https://push.attacker.example/x'), NOTE, OPTIONS);

    expect(result).toMatchObject({ kind: 'rejected', reason: 'push endpoint refused: host_not_allowed' });
    expect(lookup.calls).toEqual([]);
    await sender.close?.();
  });

  it('plain http is refused where the policy does not allow it (production)', async () => {
    const sender = createWebPushSender({
      vapid,
      endpointPolicy: { ...LOCAL_PUSH_ENDPOINT_POLICY, httpForLocalHosts: false },
      timeoutMs: 2000,
    });

    const result = await sender.send(deviceAt('http://127.0.0.1:9/x'), NOTE, OPTIONS);

    expect(result).toMatchObject({ kind: 'rejected', reason: 'push endpoint refused: scheme_not_allowed' });
    await sender.close?.();
  });
});

describe('Web Push sender: the reason is classified, never the remote body or socket text', () => {
  const SECRET = 'db-password=hunter2 at 10.0.0.5:5432';
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    // an "endpoint" that answers every POST with what an internal service would leak
    server = http.createServer((req, res) => {
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 400);
      req.resume();
      req.on('end', () => res.writeHead(status, { 'content-type': 'text/plain' }).end(SECRET));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sender = () => createWebPushSender({ vapid, endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY, timeoutMs: 2000 });
  const device = (endpoint: string): PushDevice => ({
    id: 'd1',
    type: 'web_push',
    endpoint,
    keys: {
      p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
      auth: 'tBHItJI5svbpez7KI4CCXg',
    },
  });

  it.each([400, 403, 429, 500, 502])('a %i answer with a body: the reason names the status only', async (status) => {
    const s = sender();

    const result = await s.send(device(`http://127.0.0.1:${port}/push?status=${status}`), NOTE, OPTIONS);

    expect(result.kind === 'delivered' ? '' : result.reason).toMatch(
      new RegExp(`^push service (answered|refused our request with) ${status}`),
    );
    expect(JSON.stringify(result)).not.toContain('hunter2');
    await s.close?.();
  });

  it('a refused connection is `connection_refused`, without the socket error text', async () => {
    const closed = await reservePort(); // nothing listens there
    const s = sender();

    const result = await s.send(device(`http://127.0.0.1:${closed}/push`), NOTE, OPTIONS);

    expect(result).toEqual({
      kind: 'retry',
      provider: 'web_push',
      reason: 'no answer from the push service: connection_refused',
      countsAgainstOrigin: true,
    });
    await s.close?.();
  });
});
