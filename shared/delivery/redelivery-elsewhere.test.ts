import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { emailFunction } from '../../functions/email/function.js';
import { type SmtpTestServer, startSmtpTestServer } from '../../functions/email/test-support/smtp-test-server.js';
import { openPlatform, type PlatformKit } from '../../functions/gateway/test-support/platform-kit.js';
import { pushFunction } from '../../functions/push/function.js';
import { type LocalPushService, startLocalPushService } from '../../functions/push/local/local-push-service.js';
import { createMemoryCache } from '../cache/memory-cache.js';
import type { MessageInput, StatusMessage } from '../messages.js';
import { createMemoryQueue } from '../queue/memory-queue.js';
import { done, type Queue } from '../queue/queue.js';
import type { FunctionModule, RunningFunction } from '../runtime/function-module.js';
import { testDatabases } from '../test-support/test-databases.js';

const WAIT = { timeout: 15_000, interval: 50 };

// Lambda without Redis: every instance has a cache of its own. An SQS redelivery (or a message the relay published
// twice) that reaches another instance must find the first instance's "already done" record all the same.
describe('a redelivery to another worker instance (no shared cache) sends nothing again', () => {
  let smtp: SmtpTestServer;
  let pushService: LocalPushService;
  let kit: PlatformKit;
  let certDir: string;
  const vapid = webpush.generateVAPIDKeys();
  const instances: Array<{ fn: RunningFunction; queue: Queue; statuses: StatusMessage[] }> = [];

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    pushService = await startLocalPushService();
    certDir = mkdtempSync(join(tmpdir(), 'push-ca-'));
    writeFileSync(join(certDir, 'ca.pem'), pushService.certificatePem);
    kit = await openPlatform(testDatabases()[0]!, {
      env: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        PUSH_CA_FILE: join(certDir, 'ca.pem'),
        PUSH_LOCAL_HOSTS: '127.0.0.1,localhost',
      },
    });
  });
  afterAll(async () => {
    for (const instance of instances) {
      await instance.fn.stop?.();
      await instance.queue.close();
    }
    await kit?.close();
    await smtp?.close();
    await pushService?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  /** One worker instance: the shared database, but a cache and a queue (an SQS poller) of its own. */
  async function instance(module: FunctionModule) {
    const queue = createMemoryQueue({ logger: kit.infra.logger });
    const statuses: StatusMessage[] = [];
    await queue.consume('status', async (s) => (statuses.push(s), done()));
    const fn = await module.create({ ...kit.infra, cache: createMemoryCache(), queue }, kit.peers);
    await fn.start?.();
    const made = { fn, queue, statuses };
    instances.push(made);
    return made;
  }
  const finished = (statuses: StatusMessage[], id: string) =>
    statuses.some((s) => s.notification_id === id && !s.device_id && s.status === 'delivered');

  const base = (userId: string) => ({
    notification_id: randomUUID(),
    request_id: randomUUID(),
    correlation_id: randomUUID(),
    attempt: 1,
    priority: 5,
    user_id: userId,
    template_code: 'kit_welcome',
    template_version: 1,
    language: 'en',
    variables: { name: 'Ada' },
  });

  it('email', async () => {
    const [a, b] = [await instance(emailFunction), await instance(emailFunction)];
    const user = await kit.createUser();
    const message: MessageInput<'email'> = { ...base(user.id), to: user.email };
    const sent = () => smtp.received.filter((m) => m.headers['x-notification-id'] === message.notification_id);

    await a!.queue.publish('email', message);
    await expect.poll(() => finished(a!.statuses, message.notification_id), WAIT).toBe(true);
    await b!.queue.publish('email', message);
    await expect.poll(() => finished(b!.statuses, message.notification_id), WAIT).toBe(true);

    expect(sent()).toHaveLength(1);
  });

  it('push', async () => {
    const [a, b] = [await instance(pushFunction), await instance(pushFunction)];
    const user = await kit.createUser();
    const subscription = pushService.createSubscription({ applicationServerKey: vapid.publicKey });
    const added = await kit.request('POST', `/api/v1/users/${user.id}/push-subscriptions`, {
      auth: user.token,
      body: { endpoint: subscription.endpoint, keys: subscription.keys },
    });
    expect(added.status).toBe(201);
    const message: MessageInput<'push'> = base(user.id);

    await a!.queue.publish('push', message);
    await expect.poll(() => finished(a!.statuses, message.notification_id), WAIT).toBe(true);
    await b!.queue.publish('push', message);
    await expect.poll(() => finished(b!.statuses, message.notification_id), WAIT).toBe(true);

    expect(pushService.messages(subscription.id)).toHaveLength(1);
  });
});
