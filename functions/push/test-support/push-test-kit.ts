import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import webpush from 'web-push';
import type { Cache } from '../../../shared/cache/cache.js';
import { createMemoryCache } from '../../../shared/cache/memory-cache.js';
import { createCacheSeal } from '../../../shared/cache/sealed-values.js';
import { createTemplateClient } from '../../../shared/clients/template-client.js';
import { createUserClient } from '../../../shared/clients/user-client.js';
import { testDeliveryCore } from '../../../shared/delivery/testing/test-delivery-core.js';
import { createLogger } from '../../../shared/logging/logger.js';
import type { MessageInput, StatusMessage } from '../../../shared/messages.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import { type Consumer, done, type Queue } from '../../../shared/queue/queue.js';
import { LOCAL_PUSH_ENDPOINT_POLICY } from '../../../shared/test-support/local-push-policy.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import {
  openTemplateTestKit,
  pushTemplateBody,
  type TemplateTestKit,
  uniqueCode,
} from '../../template/test-support/template-test-kit.js';
import { openUserKit, type UserKit } from '../../user/test-support/user-test-kit.js';
import { createSendPush } from '../consumer.js';
import { type LocalPushService, type LocalSubscription, startLocalPushService } from '../local/local-push-service.js';
import { createServiceAccountTokenSource, parseServiceAccount } from '../senders/fcm-auth.js';
import { createFcmSender } from '../senders/fcm-sender.js';
import { withOriginBreakers } from '../senders/origin-breakers.js';
import { createPushSenderRouter } from '../senders/push-sender-router.js';
import { createWebPushSender } from '../senders/web-push-sender.js';
import { type FakeFcmServer, startFakeFcmServer } from './fake-fcm-server.js';

export const MAX_ATTEMPTS = 4;

export interface PushKit {
  users: UserKit;
  templates: TemplateTestKit;
  pushService: LocalPushService;
  fcm: FakeFcmServer;
  queue: Queue;
  cache: Cache;
  statuses: StatusMessage[];
  logLines: string[];
  vapidPublicKey: string;
  /** A user with a login token. */
  createUser(): Promise<{ id: string; token: string }>;
  /** Issue a subscription at the local push service and register it with the user function's public route. */
  addWebDevice(user: { id: string; token: string }): Promise<{ deviceId: string; subscription: LocalSubscription }>;
  addFcmDevice(user: { id: string; token: string }): Promise<{ deviceId: string; pushToken: string }>;
  /** Device ids the user function lists for the user. */
  deviceIds(user: { id: string; token: string }): Promise<string[]>;
  /** A push template `Hi {{name}}` / `Open {{link}}`; resolves with its code and version. */
  createTemplate(overrides?: Record<string, unknown>): Promise<{ code: string; version: number }>;
  message(
    userId: string,
    template: { code: string; version: number },
    overrides?: Partial<MessageInput<'push'>>,
  ): MessageInput<'push'>;
  statusesOf(notificationId: string): StatusMessage[];
  /** Decrypted payloads the local push service holds for a subscription. */
  payloadsOf(subscription: LocalSubscription): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The push consumer wired to real neighbours: the user app and the
 * template app on PGlite, the local push service (HTTPS, VAPID checked,
 * payloads decryptable), the fake FCM server, a memory queue with short
 * retry delays, and a status collector on the `status` key.
 */
export async function openPushKit(): Promise<PushKit> {
  const [db] = testDatabases({});
  const [users, templates, pushService, fcm] = await Promise.all([
    openUserKit(db!),
    openTemplateTestKit(db!),
    startLocalPushService(),
    startFakeFcmServer(),
  ]);
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'info',
    name: 'push',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(String(chunk));
        callback();
      },
    }),
  });
  const cache = createMemoryCache();
  const seal = createCacheSeal('a test secret');
  const queue = createMemoryQueue({
    logger,
    policies: { push: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 20, factor: 1, maxDelayMs: 1500, jitter: 0 } },
  });
  const vapid = { ...webpush.generateVAPIDKeys(), subject: 'mailto:ops@example.com' };
  const sender = withOriginBreakers(
    createPushSenderRouter({
      webPush: createWebPushSender({
        vapid,
        endpointPolicy: LOCAL_PUSH_ENDPOINT_POLICY,
        timeoutMs: 2000,
        extraCaPem: pushService.certificatePem,
      }),
      fcm: createFcmSender({
        projectId: fcm.projectId,
        tokens: createServiceAccountTokenSource({ account: parseServiceAccount(fcm.serviceAccountJson), timeoutMs: 2000 }),
        endpoint: fcm.url,
        timeoutMs: 2000,
      }),
    }),
    // breakers are proven in their own suite; here a shared origin must not trip across tests
    { volumeThreshold: 10_000 },
  );
  const userClient = createUserClient({ fetcher: users.peer, cache, seal, recipientTtlMs: 1000 });
  const handler = createSendPush({
    users: userClient,
    templates: createTemplateClient({ fetcher: templates.peer, cache, seal }),
    sender,
    core: testDeliveryCore({ channel: 'push', queue, logger, maxAttempts: MAX_ATTEMPTS, users: userClient }),
    logger,
    defaults: { ttlSeconds: 86_400, urgency: 'normal' },
  });
  const statuses: StatusMessage[] = [];
  const consumers: Consumer[] = [
    await queue.consume('push', handler, { concurrency: 16 }),
    await queue.consume(
      'status',
      async (status) => {
        statuses.push(status);
        return done();
      },
      { concurrency: 1 },
    ),
  ];

  const register = async (user: { id: string; token: string }, body: unknown) => {
    const res = await users.request('POST', `/api/v1/users/${user.id}/push-subscriptions`, { auth: user.token, body });
    if (res.status !== 201) throw new Error(`register device failed: ${JSON.stringify(res.body)}`);
    return res.body.data.id as string;
  };

  return {
    users,
    templates,
    pushService,
    fcm,
    queue,
    cache,
    statuses,
    logLines,
    vapidPublicKey: vapid.publicKey,
    createUser: () => users.createUser(),
    async addWebDevice(user) {
      const subscription = pushService.createSubscription({ applicationServerKey: vapid.publicKey });
      return { deviceId: await register(user, { endpoint: subscription.endpoint, keys: subscription.keys }), subscription };
    },
    async addFcmDevice(user) {
      const pushToken = `fcm-${randomUUID()}`;
      return { deviceId: await register(user, { push_token: pushToken, platform: 'android' }), pushToken };
    },
    async deviceIds(user) {
      const res = await users.request('GET', `/api/v1/users/${user.id}/push-subscriptions`, { auth: user.token });
      return (res.body.data as Array<{ id: string }>).map((d) => d.id);
    },
    async createTemplate(overrides = {}) {
      const code = uniqueCode('push');
      const res = await templates.call('POST', '/api/v1/templates', { body: pushTemplateBody(code, overrides) });
      if (res.status !== 201) throw new Error(`create template failed: ${JSON.stringify(res.body)}`);
      return { code, version: res.body.data.version.version as number };
    },
    message(userId, template, overrides = {}) {
      return {
        notification_id: randomUUID(),
        request_id: randomUUID(),
        correlation_id: randomUUID(),
        attempt: 1,
        priority: 5,
        user_id: userId,
        template_code: template.code,
        template_version: template.version,
        language: 'en',
        variables: { name: 'Ada', link: 'https://app.example/inbox' },
        metadata: {},
        ...overrides,
      };
    },
    statusesOf: (id) => statuses.filter((s) => s.notification_id === id),
    payloadsOf: (subscription) =>
      pushService.messages(subscription.id).map((m) => JSON.parse(pushService.decrypt(m)) as Record<string, unknown>),
    async close() {
      for (const consumer of consumers) await consumer.stop();
      await queue.close();
      await sender.close?.();
      await Promise.all([pushService.close(), fcm.close(), users.close(), templates.close()]);
    },
  };
}
