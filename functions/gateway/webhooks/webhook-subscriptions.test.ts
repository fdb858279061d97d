import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../shared/db/create-db.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { migrationsOf } from '../../migrations.js';
import { webhookEndpoints } from './webhook-schema.js';
import { createWebhookSubscriptions } from './webhook-subscriptions.js';

/** Intake's memory of who listens: reused for its TTL, read again after it or after a change here. */
describe('webhook subscriptions', () => {
  let database: Database;
  beforeAll(async () => {
    database = await testDatabases()[0]!.open([migrationsOf('gateway')]);
  });
  afterAll(() => database.close());

  const endpoint = (events: string[], enabled = true) =>
    database.db
      .insert(webhookEndpoints)
      .values({ url: 'https://hooks.example.com/x', events, secret: 'whsec_x', enabled })
      .returning({ id: webhookEndpoints.id })
      .then(([row]) => row!.id);

  it('answers from memory within the TTL, reads again after it or after changed()', async () => {
    let now = 0;
    const subscriptions = createWebhookSubscriptions(database.db, { ttlMs: 5_000, now: () => now });
    const accepted = await endpoint(['notification.accepted', 'notification.delivered']);
    await endpoint(['notification.accepted'], false);
    expect(await subscriptions.subscribedTo(['notification.accepted', 'notification.skipped'])).toEqual(
      new Map([['notification.accepted', [accepted]]]),
    );

    const skipped = await endpoint(['notification.skipped']);
    now = 4_999;
    expect((await subscriptions.subscribedTo(['notification.skipped'])).size).toBe(0);
    now = 5_000;
    expect(await subscriptions.subscribedTo(['notification.skipped'])).toEqual(new Map([['notification.skipped', [skipped]]]));

    const another = await endpoint(['notification.skipped']);
    subscriptions.changed();
    expect((await subscriptions.subscribedTo(['notification.skipped'])).get('notification.skipped')?.sort()).toEqual(
      [skipped, another].sort(),
    );
  });
});
