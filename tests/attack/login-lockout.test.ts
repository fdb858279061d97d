import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPlatform, type PlatformKit } from '../../functions/gateway/test-support/platform-kit.js';
import { closeServer, listen } from '../../shared/runtime/serve.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';

/**
 * Attack (issue 13, item 8): a stranger spends the login limit of someone
 * else's email from its own address. Over a real socket to the gateway,
 * from two loopback addresses.
 */
const [pglite] = testDatabases();

describe('attack: locking someone else out of login', () => {
  let kit: PlatformKit;
  let server: Awaited<ReturnType<typeof listen>>;
  let port: number;
  beforeAll(async () => {
    kit = await openPlatform(pglite!);
    server = await listen(kit.gateway.app, 0, '127.0.0.1');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    if (server) await closeServer(server);
    await kit?.close();
  });

  const login = (from: string, email: string, password: string) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ email, password });
      const req = request(
        {
          host: '127.0.0.1',
          port,
          localAddress: from,
          method: 'POST',
          path: '/api/v1/auth/login',
          headers: { 'content-type': 'application/json', 'x-client-address': '10.9.9.9' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it("a stranger's failed logins for an email do not lock its owner out", async () => {
    const victim = await kit.createUser();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await login('127.0.0.2', victim.email, 'wrong password'));
    expect(statuses.at(-1)).toBe(429);
    expect(await login('127.0.0.3', victim.email, 'a good password')).toBe(200);
  });
});
