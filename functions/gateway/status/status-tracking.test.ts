import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { done } from '../../../shared/queue/queue.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import { internalHeaders } from '../../../shared/test-support/internal-headers.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

describe.each(testDatabases())('status tracking on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(target);
    // stand-in workers that take the deliveries off the queue
    await kit.infra.queue.consume('email', async () => done());
    await kit.infra.queue.consume('push', async () => done());
  });
  afterAll(() => kit.close());

  async function accepted(channel: Channel = 'email') {
    const user = await kit.createUser();
    const res = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: channel,
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    const id: string = res.body.data.notification_id;
    await expect.poll(() => statusOf(id)).toBe('queued');
    return { id, user };
  }

  async function statusOf(id: string): Promise<string> {
    return (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.status;
  }

  const report = (notification_id: string, status: string, extra: Record<string, unknown> = {}) =>
    kit.infra.queue.publish('status', {
      notification_id,
      status: status as 'delivered',
      channel: 'email',
      timestamp: new Date().toISOString(),
      attempt: 1,
      ...extra,
    });

  it('moves through sending to delivered and keeps the timeline', async () => {
    const { id } = await accepted();
    await report(id, 'sending', { provider: 'smtp' });
    await expect.poll(() => statusOf(id)).toBe('sending');
    await report(id, 'delivered', { provider: 'smtp', provider_message_id: '<abc@x>', response: '250 OK' });
    await expect.poll(() => statusOf(id)).toBe('delivered');
    const timeline = (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.timeline;
    expect(timeline.map((e: { status: string }) => e.status)).toEqual(['queued', 'sending', 'delivered']);
    expect(timeline[2]).toMatchObject({ provider: 'smtp', provider_message_id: '<abc@x>', response: '250 OK' });
  });

  it('never moves backwards on a late or replayed update', async () => {
    const { id } = await accepted();
    await report(id, 'delivered');
    await expect.poll(() => statusOf(id)).toBe('delivered');
    await report(id, 'sending');
    await report(id, 'queued');
    await report(id, 'failed', { error: 'late failure' });
    await expect.poll(async () => (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.timeline.length).toBe(5);
    expect(await statusOf(id)).toBe('delivered');
  });

  it('lets a redriven dead letter turn failed into delivered', async () => {
    const { id } = await accepted();
    await report(id, 'failed', { error: 'SMTP 451' });
    await expect.poll(() => statusOf(id)).toBe('failed');
    await report(id, 'delivered');
    await expect.poll(() => statusOf(id)).toBe('delivered');
  });

  it('keeps per-device reports on the timeline without changing the overall status', async () => {
    const { id } = await accepted('push');
    await report(id, 'failed', { channel: 'push', device_id: 'dev-1', error: '410 Gone' });
    await report(id, 'delivered', { channel: 'push', device_id: 'dev-2' });
    await expect.poll(async () => (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.timeline.length).toBe(3);
    expect(await statusOf(id)).toBe('queued');
  });

  it('suppresses an address after a hard bounce: later sends are recorded as suppressed', async () => {
    const { id, user } = await accepted();
    await report(id, 'failed', {
      error: '550 5.1.1 no such user',
      suppress: { address: user.email.toUpperCase(), reason: 'hard_bounce' },
    });
    await expect.poll(() => statusOf(id)).toBe('failed');
    const again = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
      },
    });
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ status: 'suppressed', reason: 'address_suppressed' });
  });

  it('answers the workers whether an address is suppressed (GET /internal/v1/suppressions/:address)', async () => {
    const { id, user } = await accepted();
    await report(id, 'failed', { suppress: { address: user.email, reason: 'complaint' } });
    const ask = (address: string) =>
      kit.gateway.app.request(`/internal/v1/suppressions/${encodeURIComponent(address)}`, {
        headers: internalHeaders(kit.infra.internalSecret, 'gateway', 'email'),
      });

    await expect.poll(async () => (await ask(user.email.toUpperCase())).status).toBe(200);
    expect((await (await ask(user.email)).json()).data).toMatchObject({ address: user.email.toLowerCase(), reason: 'complaint' });
    expect((await ask('someone-else@example.com')).status).toBe(404);
    expect((await ask('not an address')).status).toBe(400);
  });

  it('takes external reports on POST /api/v1/{email|push}/status', async () => {
    const { id } = await accepted();
    const res = await kit.request('POST', '/api/v1/email/status/', {
      auth: kit.sendKey,
      body: { notification_id: id, status: 'delivered', timestamp: new Date().toISOString() },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ notification_id: id, status: 'delivered' });
    const wrongChannel = await kit.request('POST', '/api/v1/push/status', {
      auth: kit.sendKey,
      body: { notification_id: id, status: 'failed' },
    });
    expect(wrongChannel.status).toBe(404);
    const bad = await kit.request('POST', '/api/v1/email/status', {
      auth: kit.sendKey,
      body: { notification_id: id, status: 'exploded' },
    });
    expect(bad.status).toBe(400);
  });
});
