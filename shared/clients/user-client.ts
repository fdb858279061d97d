import type { Cache } from '../cache/cache.js';
import { createLocalMemo } from '../cache/local-memo.js';
import { type CacheSeal, getSealed, setSealed } from '../cache/sealed-values.js';
import type { QuietHours } from '../schedule/quiet-hours.js';
import type { Fetcher } from './fetcher.js';
import { callService } from './service-call.js';

/** A recipient as the gateway needs it (`GET /internal/v1/users/:id`). */
export interface Recipient {
  id: string;
  /** The customer's own id for this recipient, when it has one. */
  external_id?: string | null;
  name: string;
  email: string;
  preferences: {
    email: boolean;
    push: boolean;
    in_app: boolean;
    language: string;
    timezone: string;
    opt_out_categories: string[];
    /** Absent from a user function that predates quiet hours. */
    quiet_hours?: QuietHours | null;
  };
  push_device_count: number;
}

/** A device the push function delivers to (`GET /internal/v1/users/:id/devices`). */
export type PushDevice =
  | { id: string; type: 'web_push'; endpoint: string; keys: { p256dh: string; auth: string } }
  | { id: string; type: 'fcm'; push_token: string; platform: string | null };

/** A topic as a fan-out needs it (`GET /internal/v1/topics/:key`). */
export interface TopicSummary {
  id: string;
  topic_key: string;
  subscriber_count: number;
}

/** One page of a topic's subscribers, in user id order; `next_after` is null on the last page. */
export interface TopicRecipientsPage {
  recipients: Recipient[];
  next_after: string | null;
}

/** Port: the user function, as the other functions see it. */
export interface UserClient {
  /** The user, or null when there is none. Cached for a short TTL. */
  getRecipient(userId: string): Promise<Recipient | null>;
  /**
   * The user the customer knows by `externalId`, or null when there is none.
   * Cached like {@link getRecipient} (and primes it: the intake that names a
   * recipient by external id looks it up by user id next).
   */
  findByExternalId(externalId: string): Promise<Recipient | null>;
  /**
   * Many at once (a batch naming its recipients by external id): the ones
   * not in the shared cache in ONE call to the user function. Each id maps to
   * its recipient, or null when there is none.
   */
  findByExternalIds(externalIds: string[]): Promise<Map<string, Recipient | null>>;
  /**
   * Every push device of the user; null when the user is gone. Reused for at
   * most a second in this process (a pruned device may get one more try,
   * answered 404/410 again: harmless).
   */
  listDevices(userId: string): Promise<PushDevice[] | null>;
  /** The topic, or null when there is none (not cached: a fan-out reads it once). */
  findTopic(topicKey: string): Promise<TopicSummary | null>;
  /** Up to `limit` subscribers of the topic after user id `after`, as recipients; null when the topic is gone. */
  topicRecipients(topicKey: string, after: string | null, limit: number): Promise<TopicRecipientsPage | null>;
  /** Remove a dead device (push service answered 404/410). */
  pruneDevice(userId: string, deviceId: string): Promise<void>;
}

export interface UserClientOptions {
  /** Reaches the user function; wrap it in `createBreakerFetcher`. */
  fetcher: Fetcher;
  cache: Cache;
  /** Authenticates the cached recipients: one written by anyone else reads as absent. */
  seal: CacheSeal;
  /** How long a recipient is reused (CACHE_USER_TTL_SECONDS). */
  recipientTtlMs: number;
}

/** Typed HTTP client of the user function's internal routes. */
export function createUserClient(options: UserClientOptions): UserClient {
  const call = <T>(method: string, path: string) => callService<T>(options.fetcher, 'user', method, path);
  const local = createLocalMemo<Recipient | null>({ ttlMs: Math.min(2_000, options.recipientTtlMs) });
  const byExternal = createLocalMemo<Recipient | null>({ ttlMs: Math.min(2_000, options.recipientTtlMs) });
  const devices = createLocalMemo<PushDevice[] | null>({ ttlMs: 1_000 });
  return {
    getRecipient(userId) {
      return local.get(userId, () => loadRecipient(userId));
    },
    findByExternalId(externalId) {
      return byExternal.get(externalId, async () => (await loadByExternalIds([externalId])).get(externalId) ?? null);
    },
    findByExternalIds(externalIds) {
      return loadByExternalIds([...new Set(externalIds)]);
    },
    listDevices(userId) {
      return devices.get(userId, () => call<PushDevice[]>('GET', `/internal/v1/users/${encodeURIComponent(userId)}/devices`));
    },
    findTopic(topicKey) {
      return call<TopicSummary>('GET', `/internal/v1/topics/${encodeURIComponent(topicKey)}`);
    },
    topicRecipients(topicKey, after, limit) {
      const query = new URLSearchParams({ limit: String(limit), ...(after && { after }) });
      return call<TopicRecipientsPage>('GET', `/internal/v1/topics/${encodeURIComponent(topicKey)}/recipients?${query}`);
    },
    async pruneDevice(userId, deviceId) {
      await call('DELETE', `/internal/v1/users/${encodeURIComponent(userId)}/devices/${encodeURIComponent(deviceId)}`);
      devices.forget(userId);
    },
  };

  async function loadRecipient(userId: string): Promise<Recipient | null> {
    const key = `user:recipient:${userId}`;
    const cached = await getSealed<Recipient>(options.cache, options.seal, key);
    if (cached) return cached;
    const recipient = await call<Recipient>('GET', `/internal/v1/users/${encodeURIComponent(userId)}`);
    if (recipient) await setSealed(options.cache, options.seal, key, recipient, options.recipientTtlMs);
    return recipient;
  }

  async function loadByExternalIds(externalIds: string[]): Promise<Map<string, Recipient | null>> {
    const keyOf = (externalId: string) => `user:recipient-ext:${externalId}`;
    const cached = await Promise.all(externalIds.map((id) => getSealed<Recipient>(options.cache, options.seal, keyOf(id))));
    const found = new Map<string, Recipient | null>(externalIds.map((id, i) => [id, cached[i] ?? null]));
    const missing = externalIds.filter((id) => !found.get(id));
    if (missing.length === 0) return found;
    const answer = await callService<{ recipients: Recipient[] }>(
      options.fetcher,
      'user',
      'POST',
      '/internal/v1/recipients/lookup',
      { external_ids: missing },
    );
    const writes: Promise<void>[] = [];
    for (const recipient of answer?.recipients ?? []) {
      if (!recipient.external_id) continue;
      found.set(recipient.external_id, recipient);
      writes.push(
        setSealed(options.cache, options.seal, keyOf(recipient.external_id), recipient, options.recipientTtlMs),
        setSealed(options.cache, options.seal, `user:recipient:${recipient.id}`, recipient, options.recipientTtlMs),
      );
    }
    await Promise.all(writes);
    return found;
  }
}
