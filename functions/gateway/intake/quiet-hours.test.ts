import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../shared/db/bulk-insert.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

const MINUTE = 60_000;
/** HH:MM of an instant on the UTC clock. */
const utcClock = (at: number) => new Date(at).toISOString().slice(11, 16);

describe.each(testDatabases())('quiet hours at intake on $kind', (target) => {
  let kit: PlatformKit;
  beforeAll(async () => {
    kit = await openPlatform(target, { env: { QUIET_HOURS_BYPASS_PRIORITY: '8' } });
  });
  afterAll(() => kit.close());

  const send = (userId: string, extra: Record<string, unknown> = {}) =>
    kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: userId,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: randomUUID(),
        ...extra,
      },
    });
  /** A user (UTC) whose quiet hours began an hour ago and end in two; the instant they end. */
  async function quietNow(): Promise<{ id: string; token: string; releaseAt: string }> {
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
    const quiet_hours = { start: utcClock(minute - 60 * MINUTE), end: utcClock(minute + 120 * MINUTE) };
    const user = await kit.createUser({ preferences: { timezone: 'UTC', quiet_hours } });
    return { ...user, releaseAt: new Date(minute + 120 * MINUTE).toISOString() };
  }
  const availableAt = async (notificationId: string) => {
    const rows = rowsOf<{ available_at: string | Date }>(
      await kit.infra.database.db.execute(sql`select available_at from outbox where notification_id = ${notificationId}`),
    );
    return rows.map((r) => new Date(r.available_at).toISOString());
  };

  it('holds a notification due inside the window until it ends: deferred, the release in the answer, the outbox and the timeline', async () => {
    const ada = await quietNow();
    const res = await send(ada.id);
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ status: 'deferred', reason: 'quiet_hours', deferred_until: ada.releaseAt });
    const id = res.body.data.notification_id;

    expect(await availableAt(id)).toEqual([ada.releaseAt]);
    const shown = (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data;
    expect(shown).toMatchObject({ status: 'deferred', status_reason: 'quiet_hours' });
    expect(shown.timeline).toEqual([
      expect.objectContaining({ status: 'deferred', response: `quiet hours until ${ada.releaseAt}` }),
    ]);
  });

  it('cancels a deferred notification while it is held', async () => {
    const ada = await quietNow();
    const id = (await send(ada.id)).body.data.notification_id;
    const cancelled = await kit.request('DELETE', `/api/v1/notifications/${id}`);
    expect(cancelled.status).toBe(200);
    expect(await availableAt(id)).toEqual([]);
    const shown = (await kit.request('GET', `/api/v1/notifications/${id}`)).body.data;
    expect(shown.status).toBe('cancelled');
    expect(shown.timeline.map((e: { status: string }) => e.status)).toEqual(['deferred', 'cancelled']);
  });

  it('sends at once a notification at or above the bypass priority, and one due after the window', async () => {
    const ada = await quietNow();
    const urgent = await send(ada.id, { priority: 8 });
    expect(urgent.body.data).toMatchObject({ status: 'pending' });
    expect(urgent.body.data.deferred_until).toBeUndefined();

    const later = await send(ada.id, { send_at: new Date(Date.parse(ada.releaseAt) + MINUTE).toISOString() });
    expect(later.body.data.status).toBe('pending');
  });

  it('holds a scheduled notification whose send_at falls inside the window', async () => {
    const ada = await quietNow();
    const res = await send(ada.id, { send_at: new Date(Date.now() + 5 * MINUTE).toISOString() });
    expect(res.body.data).toMatchObject({ status: 'deferred', deferred_until: ada.releaseAt });
  });

  it('sends at once to a user without quiet hours, or after they were cleared', async () => {
    const ada = await quietNow();
    const cleared = await kit.request('PUT', `/api/v1/users/${ada.id}/preferences`, {
      auth: ada.token,
      body: { quiet_hours: null },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data.quiet_hours).toBeNull();
    // the gateway's recipient cache may hold the old preferences for its TTL
    await expect.poll(async () => (await send(ada.id)).body.data.status, { timeout: 40_000, interval: 1_000 }).toBe('pending');
  });

  it('refuses a malformed window (400 validation_error, as any invalid field), and keeps the stored one', async () => {
    const ada = await quietNow();
    for (const quiet_hours of [{ start: '25:00', end: '07:00' }, { start: '22:00', end: '22:00' }, { start: '22:00' }]) {
      const res = await kit.request('PUT', `/api/v1/users/${ada.id}/preferences`, { auth: ada.token, body: { quiet_hours } });
      expect(res.status, JSON.stringify(quiet_hours)).toBe(400);
      expect(res.body).toMatchObject({ error: 'validation_error', message: expect.stringContaining('quiet_hours') });
    }
    const me = await kit.request('GET', `/api/v1/users/${ada.id}`, { auth: ada.token });
    expect(me.body.data.preferences.quiet_hours).toMatchObject({ end: utcClock(Date.parse(ada.releaseAt)) });
  });
});
