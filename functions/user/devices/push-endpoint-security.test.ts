import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PUSH_HOSTS } from '../../../shared/config-push.js';
import type { OutboundPolicy } from '../../../shared/net/outbound-policy.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../../gateway/test-support/platform-kit.js';
import { pushEndpointProblem } from './push-endpoint.js';

/**
 * Push endpoints are URLs the push function will POST to, so a hostile one
 * is a server-side request forgery. Only https on public addresses is taken,
 * and, by default, only the real push services' hosts; a local host (a
 * development push service) only where PUSH_LOCAL_HOSTS names it (issue 8
 * item 4, issue 13 item 6). The
 * left column is what a client sends; the comment what `new URL` makes of it.
 */
const PRIVATE_OR_LOCAL = [
  'https://10.1.2.3/push',
  'https://172.16.0.1/push',
  'https://172.31.255.255/push',
  'https://192.168.1.1/push',
  'https://127.0.0.1/push',
  'https://127.255.0.1/push',
  'https://169.254.169.254/latest/meta-data', // cloud metadata
  'https://0.0.0.0/push',
  'https://100.64.0.1/push', // carrier-grade NAT
  'https://2130706433/push', // 127.0.0.1
  'https://0x7f000001/push', // 127.0.0.1
  'https://0177.0.0.1/push', // 127.0.0.1
  'https://127.1/push', // 127.0.0.1
  'https://0x0a.1/push', // 10.0.0.1
  'https://169.254.169.254./push', // 169.254.169.254
  'https://[::1]/push',
  'https://[::]/push',
  'https://[fc00::1]/push',
  'https://[fd12:3456::1]/push',
  'https://[fe80::1]/push',
  'https://[::ffff:127.0.0.1]/push', // [::ffff:7f00:1]
  'https://[::ffff:a9fe:a9fe]/push', // 169.254.169.254, IPv4-mapped
  'https://[0:0:0:0:0:ffff:7f00:1]/push', // [::ffff:7f00:1]
  'https://localhost/push',
  'https://LOCALHOST/push', // localhost
  'https://push.localhost/push',
  'https://printer.local/push',
  'https://metadata.google.internal/computeMetadata/v1',
  'https://localhost./push', // localhost. (the root-label dot; resolves like localhost)
  'https://push.localhost./push',
];

const NOT_HTTPS = [
  'http://fcm.googleapis.com/fcm/send/x',
  'ftp://push.example.com/x',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'data:text/plain,x',
  'ws://push.example.com/x',
];

const PUBLIC = [
  'https://fcm.googleapis.com/fcm/send/abc',
  'https://updates.push.services.mozilla.com/wpush/v2/abc',
  'https://web.push.apple.com/abc',
  'https://8.8.8.8/push',
  'https://[2001:4860:4860::8888]/push',
];

/** Any host, so the address and name rules are what is tested. */
const ANY_HOST: OutboundPolicy = { allowedHosts: ['*'] };
const PUSH_SERVICES: OutboundPolicy = { allowedHosts: DEFAULT_PUSH_HOSTS };

describe('push endpoint rule', () => {
  it.each(PRIVATE_OR_LOCAL)('refuses a private or local address: %s', (endpoint) => {
    expect(pushEndpointProblem(endpoint, ANY_HOST)).toBe('must not point at a private or local address');
  });

  it.each(NOT_HTTPS)('refuses anything but https: %s', (endpoint) => {
    expect(pushEndpointProblem(endpoint, ANY_HOST)).not.toBeNull();
  });

  it('refuses credentials in the URL', () => {
    expect(pushEndpointProblem('https://user:pass@push.example.com/x', ANY_HOST)).toBe('must not carry credentials');
  });

  it.each(PUBLIC)('takes https on a public address: %s', (endpoint) => {
    expect(pushEndpointProblem(endpoint, ANY_HOST)).toBeNull();
  });

  it.each([
    'https://10.0.0.5.nip.io:5432/x', // resolves to 10.0.0.5: a name is not an address
    'https://push.attacker.example/x',
    'https://db.corp.example/x',
    'https://8.8.8.8/push',
    'https://fcm.googleapis.com.attacker.example/x',
  ])('by default only the real push services are taken: refuses %s', (endpoint) => {
    expect(pushEndpointProblem(endpoint, PUSH_SERVICES)).toBe(
      'must be the endpoint of a known push service (PUSH_HOST_ALLOWLIST)',
    );
  });

  it.each([
    'https://fcm.googleapis.com/fcm/send/abc',
    'https://updates.push.services.mozilla.com/wpush/v2/abc',
    'https://web.push.apple.com/QGuQyavXutnMH',
    'https://api.push.apple.com/3/device/abc',
    'https://wns2-by3p.notify.windows.com/w/?token=abc',
  ])('by default takes the real push service %s', (endpoint) => {
    expect(pushEndpointProblem(endpoint, PUSH_SERVICES)).toBeNull();
  });

  it('local hosts (development, tests) admit their hosts, over http only when the policy says so', () => {
    const development: OutboundPolicy = {
      ...PUSH_SERVICES,
      localHosts: ['localhost', '127.0.0.1:8443'],
      httpForLocalHosts: true,
    };
    const production: OutboundPolicy = { ...development, httpForLocalHosts: false };

    expect(pushEndpointProblem('http://localhost/push', development)).toBeNull();
    expect(pushEndpointProblem('https://127.0.0.1:8443/push', development)).toBeNull();
    expect(pushEndpointProblem('https://127.0.0.1:9000/push', development)).not.toBeNull();
    expect(pushEndpointProblem('file://localhost/etc/passwd', development)).not.toBeNull();
    expect(pushEndpointProblem('https://10.0.0.1/push', development)).not.toBeNull();
    expect(pushEndpointProblem('http://localhost/push', production)).toBe('must be an https URL');
    expect(pushEndpointProblem('https://localhost/push', production)).toBeNull();
  });
});

describe('push endpoint rule on the route, through the gateway', () => {
  let kit: PlatformKit;
  let user: { id: string; token: string };
  beforeAll(async () => {
    kit = await openPlatform(testDatabases()[0]!, { env: { PUSH_LOCAL_HOSTS: 'push.dev.test' } });
    user = await kit.createUser();
  });
  afterAll(() => kit.close());

  const subscribe = (endpoint: string) =>
    kit.request('POST', `/api/v1/users/${user.id}/push-subscriptions`, {
      auth: user.token,
      body: {
        endpoint,
        keys: {
          p256dh: Buffer.concat([Buffer.from([4]), randomBytes(64)]).toString('base64url'),
          auth: randomBytes(16).toString('base64url'),
        },
      },
    });

  it('a private, local, plain-http or unknown-service endpoint is a 400 naming the endpoint; a local host or a push service is taken', async () => {
    const refused = await Promise.all(
      [
        'https://127.0.0.1/push',
        'https://2130706433/push',
        'https://[::ffff:7f00:1]/push',
        'http://push.example.com/x',
        // a public-looking name of a private address, and any host that is not a push service (issue 13 item 6)
        'https://10.0.0.5.nip.io:5432/x',
        'https://push.attacker.example/x',
      ].map(subscribe),
    );
    const allowlisted = await subscribe('http://push.dev.test/abc');
    const publicOne = await subscribe('https://fcm.googleapis.com/fcm/send/abc');

    for (const res of refused) {
      expect(res.status).toBe(400);
      expect(res.body.meta.fields.map((f: { field: string }) => f.field)).toContain('endpoint');
    }
    expect(allowlisted.status).toBe(201);
    expect(publicOne.status).toBe(201);
  });
});
