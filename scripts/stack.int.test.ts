// @requires DATABASE_URL REDIS_URL AMQP_URL
// End to end across five OS processes (scripts/stack/stack-runner.ts, what
// `npm run stack` starts): real Postgres (a fresh database), Redis, RabbitMQ
// (a vhost of its own), an SMTP sink and the local push service in this
// process. Everything goes through the gateway's port, as a client would.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import webpush from 'web-push';
import { type LocalPushService, startLocalPushService } from '../functions/push/local/local-push-service.js';
import { freePort } from '../infra/docker/smtp-sink.js';
import type { Channel } from '../shared/schemas/channels.js';
import { type CapturingSmtpSink, startCapturingSmtpSink } from './stack/capturing-smtp-sink.js';
import { STACK_FUNCTIONS, type Stack, type StackFunction, startStack } from './stack/stack-runner.js';

const dataDir = mkdtempSync(join(tmpdir(), 'stack-e2e-'));
const logs = new Map<string, string[]>();
const notes: string[] = [];
let stack: Stack;
let sink: CapturingSmtpSink;
let pushService: LocalPushService;
let sendKey: string;
const vapid = webpush.generateVAPIDKeys();

function logsOf(...names: string[]): string {
  return names.map((n) => `--- ${n} ---\n${(logs.get(n) ?? []).slice(-40).join('\n')}`).join('\n');
}

async function api(method: string, path: string, options: { body?: unknown; auth?: string | null } = {}) {
  const headers: Record<string, string> = {};
  const auth = options.auth === undefined ? stack.adminApiKey : options.auth;
  if (auth) headers.authorization = `Bearer ${auth}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.urls.gateway}${path}`, {
    method,
    headers,
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function createUser(preferences = { email: true, push: true }) {
  const email = `u-${randomUUID()}@example.com`;
  const created = await api('POST', '/api/v1/users/', {
    auth: null,
    body: { name: 'Ada', email, password: 'a good password', preferences },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const login = await api('POST', '/api/v1/auth/login', { auth: null, body: { email, password: 'a good password' } });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return { id: created.body.data.id as string, email, token: login.body.data.access_token as string };
}

async function createTemplate(channel: Channel): Promise<string> {
  const code = `${channel}_${randomBytes(4).toString('hex')}`;
  const content =
    channel === 'email' ? { subject: 'Hi {{name}}', html: '<p>Hello {{name}}</p>' } : { title: 'Hi {{name}}', body: 'Welcome' };
  const res = await api('POST', '/api/v1/templates', {
    body: { template_code: code, channel, category: 'onboarding', content, variables: [{ name: 'name', required: true }] },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return code;
}

const notification = (channel: Channel, userId: string, code: string) => ({
  notification_type: channel,
  user_id: userId,
  template_code: code,
  variables: { name: 'Ada' },
  request_id: randomUUID(),
  priority: 5,
});

async function statusOf(id: string): Promise<string> {
  const res = await api('GET', `/api/v1/notifications/${id}`, { auth: sendKey });
  expect(res.status).toBe(200);
  return res.body.data.status;
}

async function countWithStatus(userId: string, status: string): Promise<number> {
  const res = await api('GET', `/api/v1/notifications?user_id=${userId}&status=${status}&limit=1`, { auth: sendKey });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.meta.total;
}

beforeAll(async () => {
  sink = await startCapturingSmtpSink();
  pushService = await startLocalPushService();
  const pushCaFile = join(dataDir, 'push-ca.pem');
  writeFileSync(pushCaFile, pushService.certificatePem);
  const ports = {} as Record<StackFunction, number>;
  for (const name of STACK_FUNCTIONS) ports[name] = await freePort();
  stack = await startStack({
    databaseUrl: process.env.DATABASE_URL!,
    redisUrl: process.env.REDIS_URL!,
    amqpUrl: process.env.AMQP_URL!,
    fresh: true,
    ports,
    smtp: { host: sink.host, port: sink.port },
    pushCaFile,
    dataDir,
    env: {
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:ops@example.com',
      // 2,000 sends to one user within a minute is the point of this suite, not abuse
      RATE_LIMIT_PER_USER_PER_MINUTE: '1000000',
      RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
    },
    onLine(name, line) {
      const kept = logs.get(name) ?? [];
      kept.push(line);
      if (kept.length > 400) kept.splice(0, kept.length - 400);
      logs.set(name, kept);
    },
    onNote: (note) => notes.push(note),
    readyTimeoutMs: 90_000,
  });
  const key = await api('POST', '/api/v1/api-keys', { body: { name: 'stack e2e', scopes: ['send'] } });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  sendKey = key.body.data.key;
}, 180_000);

afterAll(async () => {
  const codes = await stack?.stop();
  await sink?.close();
  await pushService?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (codes)
    expect(codes, 'every process ends with 0 on SIGTERM').toEqual(Object.fromEntries(Object.keys(codes).map((n) => [n, 0])));
}, 60_000);

describe('five processes against Postgres, Redis and RabbitMQ', () => {
  it('runs each function in its own process, in a vhost and database of its own', () => {
    const pids = STACK_FUNCTIONS.map((n) => stack.processes.get(n)!.child.pid);
    expect(new Set(pids).size).toBe(5);
    expect(pids).not.toContain(process.pid);
    // a vhost needs rabbitmqctl on this host; without it the run shares the URL's vhost (said in the notes)
    if (notes.length === 0) expect(new URL(stack.amqpUrl).pathname).toMatch(/^\/stack_/);
    else process.stdout.write(`[stack e2e] ${notes.join('; ')}\n`);
    expect(new URL(stack.databaseUrl).pathname).toMatch(/^\/stack_/);
  });

  it('delivers an email and a push: status delivered, the mail at the SMTP sink, the push at the push service', async () => {
    const user = await createUser();
    const subscription = pushService.createSubscription({ applicationServerKey: vapid.publicKey });
    const device = await api('POST', `/api/v1/users/${user.id}/push-subscriptions`, {
      auth: user.token,
      body: { endpoint: subscription.endpoint, keys: subscription.keys },
    });
    expect(device.status, JSON.stringify(device.body)).toBe(201);
    const [emailCode, pushCode] = [await createTemplate('email'), await createTemplate('push')];

    const email = await api('POST', '/api/v1/notifications/', { auth: sendKey, body: notification('email', user.id, emailCode) });
    const push = await api('POST', '/api/v1/notifications', { auth: sendKey, body: notification('push', user.id, pushCode) });
    expect([email.status, push.status], JSON.stringify([email.body, push.body])).toEqual([202, 202]);
    const emailId = email.body.data.notification_id as string;
    const pushId = push.body.data.notification_id as string;

    try {
      await vi.waitFor(
        async () => expect([await statusOf(emailId), await statusOf(pushId)]).toEqual(['delivered', 'delivered']),
        {
          timeout: 30_000,
          interval: 200,
        },
      );
    } catch (err) {
      throw new Error(`${String(err)}\n${logsOf('gateway', 'email', 'push')}`);
    }
    const mail = sink.mails.find((m) => m.notificationId === emailId);
    expect(mail).toMatchObject({ to: [user.email], subject: 'Hi Ada' });
    expect(mail!.messageId).toContain(emailId);
    const pushed = pushService.messages(subscription.id);
    expect(pushed).toHaveLength(1);
    expect(pushService.decrypt(pushed[0]!)).toContain('Hi Ada');
  }, 60_000);

  it('kill -9 of the email process in the middle of 2,000 sends: after a restart every one is delivered, none lost', async () => {
    const user = await createUser({ email: true, push: false });
    const code = await createTemplate('email');
    const KILL_AFTER = 300;
    let mine = 0;
    let atKill = -1;
    const emailProcess = stack.processes.get('email')!;
    sink.onMail((mail) => {
      if (mail.to[0] !== user.email) return;
      mine++;
      // killed from inside the SMTP sink, the moment the 300th mail lands: mid-stream by construction
      if (mine === KILL_AFTER) {
        atKill = mine;
        emailProcess.child.kill('SIGKILL');
      }
    });

    const accepted: string[] = [];
    for (let batch = 0; batch < 2; batch++) {
      const res = await api('POST', '/api/v1/notifications/batch', {
        auth: sendKey,
        body: { notifications: Array.from({ length: 1000 }, () => notification('email', user.id, code)) },
      });
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(207);
      expect(res.body.data.accepted).toBe(1000);
      accepted.push(...res.body.data.items.map((i: { data: { notification_id: string } }) => i.data.notification_id));
    }
    expect(new Set(accepted).size).toBe(2000);

    expect(await emailProcess.exited, 'the email process died of SIGKILL').toBe('SIGKILL');
    expect(atKill).toBe(KILL_AFTER);
    const deliveredAtKill = await countWithStatus(user.id, 'delivered');
    expect(deliveredAtKill, 'killed in the middle: most of the 2,000 still to deliver').toBeLessThan(2000);
    await stack.start('email');

    try {
      await vi.waitFor(
        async () => {
          const atSink = new Set(sink.mails.filter((m) => m.to[0] === user.email).map((m) => m.notificationId));
          expect(accepted.filter((id) => !atSink.has(id)).length).toBe(0);
          expect(await countWithStatus(user.id, 'delivered')).toBe(2000);
        },
        { timeout: 180_000, interval: 500 },
      );
    } catch (err) {
      throw new Error(`${String(err)}\n${logsOf('gateway', 'email')}`);
    }
    for (const status of ['queued', 'sending', 'failed', 'pending'])
      expect(await countWithStatus(user.id, status), status).toBe(0);

    const mails = sink.mails.filter((m) => m.to[0] === user.email);
    const ids = new Set(accepted);
    const duplicates = [...sink.duplicates()].filter(([messageId]) => ids.has(messageId.replace(/^<|@.*$/g, '')));
    const extra = duplicates.reduce((sum, [, n]) => sum + n - 1, 0);
    process.stdout.write(
      `[stack e2e] 2000 accepted; email killed (SIGKILL) after ${atKill} mails (${deliveredAtKill} recorded delivered); ` +
        `${mails.length} mails at the sink, ${new Set(mails.map((m) => m.messageId)).size} distinct Message-IDs; ` +
        `lost 0; duplicates: ${duplicates.length} Message-IDs sent twice or more (${extra} extra mails)\n`,
    );
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(2000);
    // the consumer is idempotent per notification; a kill can only double what was in flight (its prefetch)
    expect(extra).toBeLessThanOrEqual(64);
  }, 300_000);
});
