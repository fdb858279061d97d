import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerSchema, undocumentedFields } from '../../shared/openapi/undocumented-fields.js';
import { testDatabases } from '../../shared/test-support/test-databases.js';
import { buildGatewayOpenApi } from './openapi.js';
import { openPlatform, type PlatformKit } from './test-support/platform-kit.js';

const document = buildGatewayOpenApi();

/**
 * Each answer of the public API, called through the gateway, holds only the
 * fields its OpenAPI document (the merged one of `/openapi.json`) declares.
 */
describe.each(testDatabases())('answers hold only documented fields, on $kind', (target) => {
  let kit: PlatformKit;
  // a loaded machine takes its time to open a database and three functions
  beforeAll(async () => {
    kit = await openPlatform(target);
  }, 180_000);
  afterAll(() => kit.close());

  const problems: string[] = [];
  const call = async (method: string, path: string, options: Parameters<PlatformKit['request']>[2] = {}) => {
    const res = await kit.request(method, path, options);
    const schema = answerSchema(document, method, path, res.status);
    if (!schema) problems.push(`${method} ${path} ${res.status}: not documented`);
    else for (const field of undocumentedFields(document, schema, res.body)) problems.push(`${method} ${path}: ${field}`);
    return res;
  };

  it('over users, templates and notifications', async () => {
    await call('GET', '/', { auth: null });
    const email = `shape-${randomUUID()}@example.com`;
    const created = await call('POST', '/api/v1/users', {
      auth: null,
      body: { name: 'Ada', email, password: 'a good password', push_token: 'fcm-shape' },
    });
    const id = created.body.data.id as string;
    const login = await call('POST', '/api/v1/auth/login', { auth: null, body: { email, password: 'a good password' } });
    const token = login.body.data.access_token as string;
    await call('GET', `/api/v1/users/${id}`, { auth: token });
    await call('PUT', `/api/v1/users/${id}`, { auth: token, body: { name: 'Ada', email, preferences: { push: true } } });
    await call('PATCH', `/api/v1/users/${id}`, { auth: token, body: { preferences: { language: 'fr' } } });
    await call('GET', `/api/v1/users/${id}/preferences`, { auth: token });
    await call('GET', `/api/v1/users/${id}/push-subscriptions`, { auth: token });
    await call('GET', '/api/v1/users?limit=5');
    await call('GET', '/api/v1/api-keys?limit=5');
    await call('GET', '/api/v1/templates?limit=5', { auth: kit.sendKey });
    await call('GET', '/api/v1/templates/kit_welcome', { auth: kit.sendKey });
    await call('GET', '/api/v1/templates/kit_welcome/versions?channel=email');
    await call('POST', '/api/v1/templates/kit_welcome/render?channel=email', { body: { variables: { name: 'Ada' } } });
    const sent = await call('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    const notificationId = sent.body.data.notification_id as string;
    await call('POST', '/api/v1/email/status', {
      auth: kit.sendKey,
      body: { notification_id: notificationId, status: 'failed', error: 'mailbox full' },
    });
    await call('GET', `/api/v1/notifications/${notificationId}`, { auth: kit.sendKey });
    await call('GET', `/api/v1/notifications/${notificationId}/status`, { auth: kit.sendKey });
    await call('GET', '/api/v1/notifications?limit=5', { auth: kit.sendKey });
    await call('GET', `/api/v1/notifications/${randomUUID()}`, { auth: kit.sendKey });
    expect(problems).toEqual([]);
  });
});

describe('undocumentedFields', () => {
  it('names a field the schema lacks, at any depth, and accepts free-form objects', () => {
    const schema = {
      type: 'object',
      properties: {
        data: { type: 'object', properties: { id: { type: 'string' }, meta: { type: 'object' } } },
        list: { type: 'array', items: { type: 'object', properties: { a: {} } } },
      },
    };
    const value = { data: { id: 'x', meta: { anything: 1 }, secret: 'y' }, list: [{ a: 1 }, { b: 2 }] };
    expect(undocumentedFields(document, schema, value)).toEqual(['data.secret', 'list[1].b']);
  });
});
