// @requires DATABASE_URL AMQP_URL
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logging/logger.js';
import type { MessageOf } from '../../shared/messages.js';
import { done } from '../../shared/queue/queue.js';
import { createRabbitQueue } from '../../shared/queue/rabbitmq/rabbit-queue.js';
import { createTcpProxy, type TcpProxy } from '../../shared/test-support/tcp-proxy.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from './test-support/platform-kit.js';

const databaseUrl = new URL(process.env.DATABASE_URL!);
const amqpUrl = new URL(process.env.AMQP_URL!);

const notification = (userId: string) => ({
  notification_type: 'email',
  user_id: userId,
  template_code: 'kit_welcome',
  variables: { name: 'Ada' },
  request_id: randomUUID(),
});

describe('gateway through outages', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('answers 503 with Retry-After while Postgres is unreachable, then recovers by itself', async () => {
    const proxy: TcpProxy = await createTcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    cleanup.push(() => proxy.close());
    const viaProxy = new URL(databaseUrl);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const postgres = testDatabases({ DATABASE_URL: viaProxy.toString() }).find((d) => d.kind === 'postgres')!;
    const kit: PlatformKit = await openPlatform(postgres);
    cleanup.push(async () => {
      await proxy.up().catch(() => {});
      await kit.close();
    });
    const user = await kit.createUser();
    expect((await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: notification(user.id) })).status).toBe(
      202,
    );

    await proxy.down();
    const during = await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: notification(user.id) });
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ success: false, error: 'service_unavailable' });
    expect(Number(during.headers.get('retry-after'))).toBeGreaterThan(0);
    const ready = await kit.gateway.app.request('/health/ready');
    expect(ready.status).toBe(503);

    await proxy.up();
    await expect
      .poll(
        async () =>
          (await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: notification(user.id) })).status,
        {
          timeout: 20_000,
          interval: 250,
        },
      )
      .toBe(202);
  }, 60_000);

  it('keeps accepting (202) while RabbitMQ is unreachable and publishes everything once it is back', async () => {
    const proxy = await createTcpProxy(amqpUrl.hostname, Number(amqpUrl.port || 5672));
    cleanup.push(() => proxy.close());
    const viaProxy = new URL(amqpUrl);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const logger = createLogger({ level: 'silent', name: 'test' });
    const prefix = `t${randomUUID().slice(0, 8)}.`;
    const queue = createRabbitQueue({
      url: viaProxy.toString(),
      logger,
      prefix,
      publishTimeoutMs: 1000,
      reconnect: { maxDelayMs: 500 },
    });
    const [pglite] = testDatabases({});
    const kit = await openPlatform(pglite!, { queue });
    cleanup.push(() => kit.close());

    const received = new Set<string>();
    await queue.consume('email', async (message: MessageOf<'email'>) => {
      received.add(message.notification_id);
      return done();
    });
    const user = await kit.createUser();

    await proxy.down();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await kit.request('POST', '/api/v1/notifications', { auth: kit.sendKey, body: notification(user.id) });
      expect(res.status).toBe(202);
      ids.push(res.body.data.notification_id);
    }
    const status = async (id: string) => (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.status;
    expect(await status(ids[0]!)).toBe('pending');

    await proxy.up();
    await expect.poll(() => ids.filter((id) => received.has(id)).length, { timeout: 30_000, interval: 200 }).toBe(ids.length);
    await expect.poll(() => status(ids.at(-1)!)).toBe('queued');
  }, 60_000);
});
