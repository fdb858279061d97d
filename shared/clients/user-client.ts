import type { Cache } from '../cache/cache.js';
import { getJson, setJson } from '../cache/cache.js';
import { createLocalMemo } from '../cache/local-memo.js';
import type { Fetcher } from './fetcher.js';
import { callService } from './service-call.js';

/** A recipient as the gateway needs it (`GET /internal/v1/users/:id`). */
export interface Recipient {
  id: string;
  name: string;
  email: string;
  preferences: {
    email: boolean;
    push: boolean;
    language: string;
    timezone: string;
    opt_out_categories: string[];
  };
  push_device_count: number;
}

/** A device the push function delivers to (`GET /internal/v1/users/:id/devices`). */
export type PushDevice =
  | { id: string; type: 'web_push'; endpoint: string; keys: { p256dh: string; auth: string } }
  | { id: string; type: 'fcm'; push_token: string; platform: string | null };

/** Port: the user function, as the other functions see it. */
export interface UserClient {
  /** The user, or null when there is none. Cached for a short TTL. */
  getRecipient(userId: string): Promise<Recipient | null>;
  /**
   * Every push device of the user; null when the user is gone. Reused for at
   * most a second in this process (a pruned device may get one more try,
   * answered 404/410 again: harmless).
   */
  listDevices(userId: string): Promise<PushDevice[] | null>;
  /** Remove a dead device (push service answered 404/410). */
  pruneDevice(userId: string, deviceId: string): Promise<void>;
}

export interface UserClientOptions {
  /** Reaches the user function; wrap it in `createBreakerFetcher`. */
  fetcher: Fetcher;
  cache: Cache;
  /** How long a recipient is reused (CACHE_USER_TTL_SECONDS). */
  recipientTtlMs: number;
}

/** Typed HTTP client of the user function's internal routes. */
export function createUserClient(options: UserClientOptions): UserClient {
  const call = <T>(method: string, path: string) => callService<T>(options.fetcher, 'user', method, path);
  const local = createLocalMemo<Recipient | null>({ ttlMs: Math.min(2_000, options.recipientTtlMs) });
  const devices = createLocalMemo<PushDevice[] | null>({ ttlMs: 1_000 });
  return {
    getRecipient(userId) {
      return local.get(userId, () => loadRecipient(userId));
    },
    listDevices(userId) {
      return devices.get(userId, () => call<PushDevice[]>('GET', `/internal/v1/users/${encodeURIComponent(userId)}/devices`));
    },
    async pruneDevice(userId, deviceId) {
      await call('DELETE', `/internal/v1/users/${encodeURIComponent(userId)}/devices/${encodeURIComponent(deviceId)}`);
      devices.forget(userId);
    },
  };

  async function loadRecipient(userId: string): Promise<Recipient | null> {
    const key = `user:recipient:${userId}`;
    const cached = await getJson<Recipient>(options.cache, key);
    if (cached) return cached;
    const recipient = await call<Recipient>('GET', `/internal/v1/users/${encodeURIComponent(userId)}`);
    if (recipient) await setJson(options.cache, key, recipient, options.recipientTtlMs);
    return recipient;
  }
}
