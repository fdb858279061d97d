import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { pushFunction } from '../../functions/push/function.js';
import { pushEndpointProblem } from '../../functions/user/devices/push-endpoint.js';
import type { RunningFunction } from '../../shared/runtime/function-module.js';
import { type AttackPlatform, openAttackPlatform } from './support/attack-platform.js';

// Issue 13, item 6: push endpoints were checked only at registration and only as literal addresses and names,
// so `https://10.0.0.5.nip.io:5432/x` and internal hostnames passed; the worker POSTed there and wrote the remote's
// answer into the timeline the user reads; and one account could register any number of devices.
const SECRET = 'root:hunter2@10.0.0.5:5432 internal-admin-panel';

/** A loopback HTTP server standing in for an internal service: counts connections, answers 400 with a secret. */
async function internalService() {
  let connections = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(400, { 'content-type': 'text/plain' }).end(SECRET));
  });
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function keys() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url') };
}

describe('attack: push endpoints as a server-side request forgery', () => {
  let p: AttackPlatform;
  let push: RunningFunction;
  let service: Awaited<ReturnType<typeof internalService>>;
  const vapid = webpush.generateVAPIDKeys();
  beforeAll(async () => {
    service = await internalService();
    // `localhost` stands in for a development push service; 127.0.0.1 is not listed, so it is private
    p = await openAttackPlatform({
      env: { PUSH_LOCAL_HOSTS: 'localhost', VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey },
    });
    push = await pushFunction.create(p.kit.infra, p.kit.peers);
    p.kit.add('push', push);
    await push.start?.();
  });
  afterAll(async () => {
    await push?.stop?.();
    await p?.close();
    await service?.close();
  });

  const devices = async (user: { id: string; token: string }) =>
    (await p.send('gateway', 'GET', `/api/v1/users/${user.id}/push-subscriptions`, { auth: user.token })).body.data.length;

  it.each(['gateway', 'user'] as const)(
    'registration refuses names of private addresses, internal hosts and non-push hosts (through the %s port)',
    async (port) => {
      const user = await p.kit.createUser();
      const endpoints = [
        'https://10.0.0.5.nip.io:5432/x',
        'https://169.254.169.254.nip.io/latest/meta-data',
        'https://user:8081/internal/v1/users',
        'https://metadata.google.internal/computeMetadata/v1',
        'https://push.attacker.example/x',
      ];

      const answers = await Promise.all(
        endpoints.map((endpoint) =>
          p.send(port, 'POST', `/api/v1/users/${user.id}/push-subscriptions`, {
            auth: user.token,
            body: { endpoint, keys: keys() },
          }),
        ),
      );

      expect(answers.map((a) => a.status)).toEqual(endpoints.map(() => 400));
      // none is a push service's host: the allow-list refuses each before any other check
      for (const answer of answers) expect(answer.body.message).toContain('must be the endpoint of a known push service');
      expect(await devices(user)).toBe(0);
    },
  );

  it('without the allow-list (PUSH_HOST_ALLOWLIST=*), internal names and private literals are still refused at registration', () => {
    const anyHost = { allowedHosts: ['*'] };
    for (const endpoint of ['https://user:8081/internal/v1/users', 'https://metadata.google.internal/computeMetadata/v1']) {
      expect(pushEndpointProblem(endpoint, anyHost), endpoint).toBe('must not point at a private or local address');
    }
    expect(pushEndpointProblem('https://169.254.169.254/latest/meta-data', anyHost)).toBe(
      'must not point at a private or local address',
    );
    // a public-looking name is resolved at send time, where the address is checked (the send-time case below)
    expect(pushEndpointProblem('https://10.0.0.5.nip.io:5432/x', anyHost)).toBeNull();
  });

  it('the 21st device of one user is a 409, and nothing is stored', async () => {
    const user = await p.kit.createUser();
    const path = `/api/v1/users/${user.id}/push-subscriptions`;
    for (let i = 0; i < 20; i++) {
      const endpoint = `https://fcm.googleapis.com/fcm/send/${randomUUID()}`;
      expect((await p.send('gateway', 'POST', path, { auth: user.token, body: { endpoint, keys: keys() } })).status).toBe(201);
    }

    const over = await p.send('gateway', 'POST', path, {
      auth: user.token,
      body: { endpoint: `https://fcm.googleapis.com/fcm/send/${randomUUID()}`, keys: keys() },
    });

    expect(over.status).toBe(409);
    expect(over.body.error).toBe('device_limit_reached');
    expect(await devices(user)).toBe(20);
  });

  const sendPush = async (userId: string) => {
    const sent = await p.send('gateway', 'POST', '/api/v1/notifications', {
      auth: p.kit.sendKey,
      body: {
        notification_type: 'push',
        user_id: userId,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    expect(sent.status).toBe(202);
    return sent.body.data.notification_id as string;
  };
  const settled = async (id: string) => {
    let answer = await p.send('gateway', 'GET', `/api/v1/notifications/${id}`, { auth: p.kit.sendKey });
    await expect
      .poll(
        async () => {
          answer = await p.send('gateway', 'GET', `/api/v1/notifications/${id}`, { auth: p.kit.sendKey });
          return answer.body.data.status;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toBe('failed');
    return answer;
  };

  it("the endpoint's answer never reaches the timeline: only a classified reason does", async () => {
    const user = await p.kit.createUser();
    const added = await p.send('gateway', 'POST', `/api/v1/users/${user.id}/push-subscriptions`, {
      auth: user.token,
      body: { endpoint: `http://localhost:${service.port}/push/${randomUUID()}`, keys: keys() },
    });
    expect(added.status).toBe(201);

    const answer = await settled(await sendPush(user.id));

    expect(answer.text).not.toContain('hunter2');
    expect(answer.text).toContain('push service refused our request with 400');
  });

  it('a device stored before these rules, at a private address, is refused at send time: nothing connects there', async () => {
    const user = await p.kit.createUser();
    const { p256dh, auth } = keys();
    await p.kit.infra.database.db.execute(sql`
      insert into push_devices (user_id, kind, address, p256dh, auth)
      values (${user.id}, 'web_push', ${`https://127.0.0.1:${service.port}/push/x`}, ${p256dh}, ${auth})`);
    const before = service.connections();

    const answer = await settled(await sendPush(user.id));

    // not a push service's host: refused before any lookup (a name resolving to a private address is
    // refused as `blocked_address` at this point too: functions/push/senders/web-push-endpoint-policy.test.ts)
    expect(answer.text).toContain('push endpoint refused: host_not_allowed');
    expect(answer.text).not.toMatch(/ECONNREFUSED|getaddrinfo|hunter2/);
    expect(service.connections()).toBe(before);
  });
});
