// @requires DATABASE_URL
// The five Lambda entries (functions/<name>/lambda.ts) invoked as AWS invokes
// them: API Gateway HTTP API (payload 2.0) events, SQS events shaped as the
// event source mapping builds them from messages received from the SQS
// emulator (fauxqs, in this process), EventBridge scheduled events. Real
// Postgres (a fresh database), SQS through the adapter QUEUE_DRIVER=sqs
// builds, functions calling each other through local function URLs.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import webpush from 'web-push';
import { type CapturingSmtpSink, startCapturingSmtpSink } from '../../scripts/stack/capturing-smtp-sink.js';
import type { SqsEvent, SqsRecord } from '../../shared/runtime/lambda-events.js';
import { type FunctionUrlServer, serveFunctionUrl, toHttpApiEvent } from '../../shared/runtime/lambda-function-url.js';
import type { LambdaHandler } from '../../shared/runtime/lambda-handler.js';
import type { Channel } from '../../shared/schemas/channels.js';
import { createEmailLambda } from '../email/lambda.js';
import { createPushLambda } from '../push/lambda.js';
import { type LocalPushService, startLocalPushService } from '../push/local/local-push-service.js';
import { createTemplateLambda } from '../template/lambda.js';
import { createUserLambda } from '../user/lambda.js';
import { createGatewayLambda } from './lambda.js';

const REGION = 'us-east-1';
// the SDK's default credential chain reads these (Lambda sets them from the function's role)
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

const databaseName = `t_lambda_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const prefix = `lt${randomBytes(3).toString('hex')}-`;
const adminKey = `admin-${randomBytes(16).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'lambda-test-'));
const vapid = webpush.generateVAPIDKeys();

let fauxqs: Awaited<ReturnType<typeof startFauxqs>>;
let sqs: SQSClient;
let pushService: LocalPushService;
let smtp: CapturingSmtpSink;
const servers: FunctionUrlServer[] = [];
const lambdas: LambdaHandler[] = [];
let baseEnv: Record<string, string>;
let user: LambdaHandler;
let template: LambdaHandler;
let gateway: LambdaHandler;
let push: LambdaHandler;
let email: LambdaHandler;
let sendKey: string;

function adminUrl(): string {
  return process.env.DATABASE_URL!;
}

async function withAdmin(sql: string) {
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(sql);
  } finally {
    await admin.end();
  }
}

/** Invoke an HTTP Lambda with the event API Gateway would build; JSON body in, parsed envelope out. */
async function call(
  handler: LambdaHandler,
  method: string,
  path: string,
  options: { body?: unknown; auth?: string | null; base64?: boolean; routeKey?: string } = {},
) {
  const headers = new Headers({ 'user-agent': 'lambda-int-test', accept: 'application/json' });
  const auth = options.auth === undefined ? adminKey : options.auth;
  if (auth) headers.set('authorization', `Bearer ${auth}`);
  let body: Uint8Array | undefined;
  if (options.body !== undefined) {
    // a content type API Gateway does not treat as text arrives base64-encoded
    headers.set('content-type', options.base64 ? 'application/octet-stream' : 'application/json');
    body = Buffer.from(JSON.stringify(options.body));
  }
  const event = toHttpApiEvent(
    { method, url: `https://abc123.execute-api.${REGION}.amazonaws.com${path}`, headers, body },
    options.routeKey ? { routeKey: options.routeKey } : {},
  );
  if (options.base64) {
    expect(event.isBase64Encoded).toBe(true);
    // the app reads JSON: API Gateway passes the client's content type on, so restore it after encoding the body
    event.headers['content-type'] = 'application/json';
  }
  const result = await handler(event);
  const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return { status: result.statusCode, headers: result.headers, body: text ? JSON.parse(text) : null };
}

async function queueUrl(key: string): Promise<string> {
  return (await sqs.send(new GetQueueUrlCommand({ QueueName: `${prefix}${key}` }))).QueueUrl!;
}

async function queueArn(url: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return Attributes!.QueueArn!;
}

/** Receive what is in a queue now (as the event source mapping's poller would). */
async function receive(url: string, max = 10): Promise<Message[]> {
  const { Messages } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return Messages ?? [];
}

/** The Lambda record the event source mapping makes of a received message. */
function toRecord(message: Message, arn: string): SqsRecord {
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
      SenderId: message.Attributes?.SenderId ?? 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { stringValue: value.StringValue, stringListValues: [], binaryListValues: [], dataType: value.DataType ?? 'String' },
      ]),
    ),
    md5OfBody: message.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: REGION,
  } as SqsRecord;
}

/** A record the test writes itself (an arbitrary body on a given queue). */
function handMadeRecord(body: string, arn: string): SqsRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: `rh-${randomUUID()}`,
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
    messageAttributes: {},
    eventSourceARN: arn,
  };
}

async function createUser(preferences = { email: true, push: true }) {
  const mail = `u-${randomUUID()}@example.com`;
  const created = await call(user, 'POST', '/api/v1/users/', {
    auth: null,
    body: { name: 'Ada', email: mail, password: 'a good password', preferences },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const login = await call(user, 'POST', '/api/v1/auth/login', {
    auth: null,
    body: { email: mail, password: 'a good password' },
  });
  expect(login.status).toBe(200);
  return { id: created.body.data.id as string, email: mail, token: login.body.data.access_token as string };
}

async function notify(channel: Channel, userId: string, code: string) {
  const res = await call(gateway, 'POST', '/api/v1/notifications/', {
    auth: sendKey,
    body: {
      notification_type: channel,
      user_id: userId,
      template_code: code,
      variables: { name: 'Ada', link: 'https://example.com/x' },
      request_id: randomUUID(),
      priority: 5,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.data.notification_id as string;
}

async function statusOf(id: string): Promise<string> {
  const res = await call(gateway, 'GET', `/api/v1/notifications/${id}`, { auth: sendKey });
  expect(res.status).toBe(200);
  return res.body.data.status as string;
}

beforeAll(async () => {
  await withAdmin(`create database ${databaseName}`);
  fauxqs = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({
    region: REGION,
    endpoint: fauxqs.address,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  pushService = await startLocalPushService();
  smtp = await startCapturingSmtpSink();
  const caFile = join(dataDir, 'push-ca.pem');
  writeFileSync(caFile, pushService.certificatePem);
  const dbUrl = new URL(adminUrl());
  dbUrl.pathname = `/${databaseName}`;
  // the variables notification-stack.ts sets, pointed at local stand-ins
  baseEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    DATABASE_URL: dbUrl.toString(),
    QUEUE_DRIVER: 'sqs',
    SQS_ENDPOINT: fauxqs.address,
    SQS_QUEUE_PREFIX: prefix,
    AWS_REGION: REGION,
    ADMIN_API_KEY: adminKey,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    // the local push service stands in for a real one on loopback
    PUSH_LOCAL_HOSTS: 'localhost,127.0.0.1',
  };
  const serve = async (handler: LambdaHandler) => {
    lambdas.push(handler);
    const server = await serveFunctionUrl(handler);
    servers.push(server);
    return server.url;
  };
  user = createUserLambda(baseEnv);
  const userUrl = await serve(user);
  template = createTemplateLambda({ ...baseEnv, USER_SERVICE_URL: userUrl });
  const templateUrl = await serve(template);
  // the workers ask the gateway (suppressions) and the gateway forwards to them: its URL comes first
  const gatewayServer = await serveFunctionUrl((event) => gateway(event));
  servers.push(gatewayServer);
  const peers = { USER_SERVICE_URL: userUrl, TEMPLATE_SERVICE_URL: templateUrl, GATEWAY_URL: gatewayServer.url };
  push = createPushLambda({
    ...baseEnv,
    ...peers,
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@example.com',
    PUSH_CA_FILE: caFile,
  });
  email = createEmailLambda({
    ...baseEnv,
    ...peers,
    EMAIL_PROVIDERS: 'smtp',
    SMTP_HOST: smtp.host,
    SMTP_PORT: String(smtp.port),
  });
  gateway = createGatewayLambda({
    ...baseEnv,
    ...peers,
    EMAIL_SERVICE_URL: await serve(email),
    PUSH_SERVICE_URL: await serve(push),
  });
  lambdas.push(gateway);

  const key = await call(user, 'POST', '/api/v1/api-keys', { body: { name: 'lambda test sender', scopes: ['send'] } });
  expect(key.status, JSON.stringify(key.body)).toBe(201);
  sendKey = key.body.data.key;
}, 60_000);

afterAll(async () => {
  for (const server of servers) await server.close();
  for (const handler of lambdas) await handler.dispose();
  await pushService?.close();
  await smtp?.close();
  sqs?.destroy();
  await fauxqs?.stop();
  await withAdmin(`drop database if exists ${databaseName} with (force)`);
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('Lambda entries (API Gateway v2 and SQS events, SQS emulator, real Postgres)', () => {
  it('user and template: HTTP API events in, proxy results out (trailing slash, base64 bodies, 404 envelope)', async () => {
    const health = await call(user, 'GET', '/health', { auth: null });
    expect(health.status).toBe(200);
    const ada = await createUser();
    const viaBase64 = await call(user, 'POST', '/api/v1/users', {
      auth: null,
      base64: true,
      body: {
        name: 'Bob',
        email: `b-${randomUUID()}@example.com`,
        password: 'a good password',
        preferences: { email: true, push: false },
      },
    });
    expect(viaBase64.status, JSON.stringify(viaBase64.body)).toBe(201);
    const me = await call(user, 'GET', `/api/v1/users/${ada.id}`, { auth: ada.token, routeKey: 'ANY /api/v1/users/{proxy+}' });
    expect(me.status).toBe(200);
    expect(me.body.data.email).toBe(ada.email);

    // the template function authenticates the admin key through the user function's URL
    const code = `lambda_${randomBytes(3).toString('hex')}`;
    const created = await call(template, 'POST', '/api/v1/templates/', {
      body: {
        template_code: code,
        channel: 'email',
        category: 'onboarding',
        content: { subject: 'Hi {{name}}', html: '<p>Hi {{name}}</p>' },
        variables: [{ name: 'name', required: true }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const missing = await call(template, 'GET', '/api/v1/templates/no_such_code', {});
    expect(missing.status).toBe(404);
    expect(missing.body.success).toBe(false);
  });

  it('gateway: a notification accepted over HTTP is in SQS when the invocation returns (outbox drained, no relay loop)', async () => {
    const ada = await createUser();
    const code = `mail_${randomBytes(3).toString('hex')}`;
    expect(
      (
        await call(template, 'POST', '/api/v1/templates', {
          body: {
            template_code: code,
            channel: 'email',
            category: 'onboarding',
            content: { subject: 'Hi {{name}}', html: '<p>Hi {{name}}</p>' },
            variables: [{ name: 'name', required: true }],
          },
        })
      ).status,
    ).toBe(201);
    const id = await notify('email', ada.id, code);

    const messages = await receive(await queueUrl('email-queue'));
    expect(messages).toHaveLength(1);
    const body = JSON.parse(messages[0]!.Body!);
    expect(body).toMatchObject({
      notification_id: id,
      to: ada.email,
      template_code: code,
      user_id: ada.id,
      variables: { name: 'Ada' },
    });
    expect(messages[0]!.MessageAttributes?.['x-routing-key']?.StringValue).toBe('email');
    expect(await statusOf(id)).toBe('queued');
  });

  it('gateway: a status batch with one malformed record reports exactly that record when its queue (named as the CDK stack names it) has no redrive policy', async () => {
    const ada = await createUser();
    const id = await notify('email', ada.id, await emailTemplate());
    await receive(await queueUrl('email-queue'));
    // a queue with no redrive policy: a permanent failure can only be reported back
    const bare = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}status` }));
    const arn = await queueArn(bare.QueueUrl!);
    const good = handMadeRecord(JSON.stringify(statusMessage(id, 'delivered')), arn);
    const bad = handMadeRecord('{"notification_id": "not json', arn);
    const alsoGood = handMadeRecord(JSON.stringify(statusMessage(randomUUID(), 'delivered')), arn);
    const event: SqsEvent = { Records: [good, bad, alsoGood] };

    const result = await gateway(event);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
    expect(await statusOf(id)).toBe('delivered');
  });

  it('gateway: with the redrive policy the adapter sets, a malformed status record goes to the dead letter queue at once, with its reason', async () => {
    const ada = await createUser();
    const id = await notify('email', ada.id, await emailTemplate());
    await receive(await queueUrl('email-queue'));
    const arn = await queueArn(await queueUrl('status-queue'));
    const good = handMadeRecord(JSON.stringify(statusMessage(id, 'delivered')), arn);
    const bad = handMadeRecord('{"status": "delivered"}', arn);

    expect(await gateway({ Records: [good, bad] })).toEqual({ batchItemFailures: [] });
    expect(await statusOf(id)).toBe('delivered');
    const dead = await receive(await queueUrl('failed-queue'));
    expect(dead.map((m) => m.Body)).toContain('{"status": "delivered"}');
    const letter = dead.find((m) => m.Body === '{"status": "delivered"}')!;
    expect(letter.MessageAttributes?.['x-routing-key']?.StringValue).toBe('status');
    expect(letter.MessageAttributes?.['x-dead-letter-reason']?.StringValue).toMatch(/notification_id/);
  });

  it('gateway: the scheduled invocation drains what an HTTP invocation could not publish (SQS down)', async () => {
    const ada = await createUser();
    const code = await emailTemplate();
    const cut = createGatewayLambda({
      ...baseEnv,
      USER_SERVICE_URL: servers[0]!.url,
      TEMPLATE_SERVICE_URL: servers[1]!.url,
      EMAIL_SERVICE_URL: servers[0]!.url,
      PUSH_SERVICE_URL: servers[0]!.url,
      SQS_ENDPOINT: 'http://127.0.0.1:9',
    });
    lambdas.push(cut);
    const res = await call(cut, 'POST', '/api/v1/notifications', {
      auth: sendKey,
      body: {
        notification_type: 'email',
        user_id: ada.id,
        template_code: code,
        variables: { name: 'Ada' },
        request_id: randomUUID(),
        priority: 1,
      },
    });
    expect(res.status, 'accepted although SQS is unreachable: the outbox holds it').toBe(202);
    expect(await receive(await queueUrl('email-queue'))).toHaveLength(0);

    const scheduled = await gateway({
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString(),
      region: REGION,
      resources: ['arn:aws:events:us-east-1:123456789012:rule/outbox-drain'],
      detail: {},
    });
    expect(scheduled).toMatchObject({ scheduled: true, drained: 1 });
    const messages = await receive(await queueUrl('email-queue'));
    expect(messages.map((m) => JSON.parse(m.Body!).notification_id)).toEqual([res.body.data.notification_id]);
  }, 30_000);

  it('push: gateway HTTP -> SQS push -> push Lambda -> local push service, status over SQS -> gateway Lambda -> delivered', async () => {
    const ada = await createUser();
    const subscription = pushService.createSubscription({ applicationServerKey: vapid.publicKey });
    const device = await call(user, 'POST', `/api/v1/users/${ada.id}/push-subscriptions`, {
      auth: ada.token,
      body: { endpoint: subscription.endpoint, keys: subscription.keys },
    });
    expect(device.status, JSON.stringify(device.body)).toBe(201);
    const code = `push_${randomBytes(3).toString('hex')}`;
    const created = await call(template, 'POST', '/api/v1/templates', {
      body: {
        template_code: code,
        channel: 'push',
        category: 'onboarding',
        content: { title: 'Hi {{name}}', body: 'Open {{link}}' },
        variables: [
          { name: 'name', required: true },
          { name: 'link', required: false },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = await notify('push', ada.id, code);

    const pushQueue = await queueUrl('push-queue');
    const taken = await receive(pushQueue);
    expect(taken).toHaveLength(1);
    const pushArn = await queueArn(pushQueue);
    const result = await push({ Records: taken.map((m) => toRecord(m, pushArn)) });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(pushService.messages(subscription.id)).toHaveLength(1);
    expect(pushService.decrypt(pushService.messages(subscription.id)[0]!)).toContain('Hi Ada');

    const statusQueue = await queueUrl('status-queue');
    const statusArn = await queueArn(statusQueue);
    await vi.waitFor(
      async () => {
        const reports = await receive(statusQueue);
        if (reports.length > 0)
          expect(await gateway({ Records: reports.map((m) => toRecord(m, statusArn)) })).toEqual({ batchItemFailures: [] });
        expect(await statusOf(id)).toBe('delivered');
      },
      { timeout: 10_000, interval: 100 },
    );
  }, 30_000);

  it('email: SQS email batch -> email Lambda -> SMTP, status over SQS -> gateway Lambda -> delivered', async () => {
    const ada = await createUser();
    const id = await notify('email', ada.id, await emailTemplate());
    const emailQueue = await queueUrl('email-queue');
    const emailArn = await queueArn(emailQueue);
    const taken = await receive(emailQueue);
    expect(taken.map((m) => JSON.parse(m.Body!).notification_id)).toEqual([id]);
    const result = await email({ Records: taken.map((m) => toRecord(m, emailArn)) });
    expect(result).toEqual({ batchItemFailures: [] });
    const mail = smtp.mails.find((m) => m.notificationId === id);
    expect(mail).toMatchObject({ to: [ada.email], subject: 'Hi Ada' });

    const statusQueue = await queueUrl('status-queue');
    const statusArn = await queueArn(statusQueue);
    await vi.waitFor(
      async () => {
        const reports = await receive(statusQueue);
        if (reports.length > 0)
          expect(await gateway({ Records: reports.map((m) => toRecord(m, statusArn)) })).toEqual({ batchItemFailures: [] });
        expect(await statusOf(id)).toBe('delivered');
      },
      { timeout: 10_000, interval: 100 },
    );
    // the same record again (SQS delivers at least once): the idempotent consumer does not send twice
    expect(await email({ Records: taken.map((m) => toRecord(m, emailArn)) })).toEqual({ batchItemFailures: [] });
    expect(smtp.mails.filter((m) => m.notificationId === id)).toHaveLength(1);
  }, 30_000);

  it('email and push answer HTTP (health) through the same handler that takes their SQS batches', async () => {
    expect((await call(email, 'GET', '/health', { auth: null })).status).toBe(200);
    expect((await call(push, 'GET', '/health/', { auth: null })).status).toBe(200);
  });

  it('refuses an event of no known shape', async () => {
    await expect(gateway({ hello: 'world' })).rejects.toThrow(/unsupported Lambda event/);
  });
});

function statusMessage(id: string, status: string) {
  return { notification_id: id, status, channel: 'email', timestamp: new Date().toISOString(), attempt: 1 };
}

async function emailTemplate(): Promise<string> {
  const code = `mail_${randomBytes(3).toString('hex')}`;
  const created = await call(template, 'POST', '/api/v1/templates', {
    body: {
      template_code: code,
      channel: 'email',
      category: 'onboarding',
      content: { subject: 'Hi {{name}}', html: '<p>Hi {{name}}</p>' },
      variables: [{ name: 'name', required: true }],
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return code;
}
