import type { Recipient } from '../../clients/user-client.js';
import type { Logger } from '../../logging/logger.js';
import type { Queue } from '../../queue/queue.js';
import type { Channel } from '../../schemas/channels.js';
import { createDeliveryCore, type DeliveryCore } from '../delivery-core.js';
import type { DeliveryLedger } from '../delivery-ledger.js';
import { createMemoryLedger } from '../memory-ledger.js';
import { createSendPolicy } from '../send-policy.js';

/**
 * Stand-in for the user function's recipients in worker tests. With
 * `fallback`, a user nobody set is a recipient at `<id>@example.com` with
 * every channel on; otherwise unknown users are gone (null).
 */
export function fakeRecipients(options: { fallback?: boolean } = {}) {
  const users = new Map<string, Recipient>();
  const recipient = (userId: string, email: string, preferences: Partial<Recipient['preferences']> = {}): Recipient => ({
    id: userId,
    name: 'Ada',
    email,
    preferences: {
      email: true,
      push: true,
      in_app: true,
      language: 'en',
      timezone: 'UTC',
      opt_out_categories: [],
      ...preferences,
    },
    push_device_count: 0,
  });
  return {
    users,
    /** Know `userId` with address `email` (and these preferences). */
    set(userId: string, email: string, preferences: Partial<Recipient['preferences']> = {}): void {
      users.set(userId, recipient(userId, email, preferences));
    },
    async getRecipient(userId: string): Promise<Recipient | null> {
      return users.get(userId) ?? (options.fallback ? recipient(userId, `${userId}@example.com`) : null);
    },
  };
}

export interface TestCoreOptions {
  channel: Channel;
  queue: Pick<Queue, 'publishMany'>;
  logger: Logger;
  maxAttempts: number;
  ledger?: DeliveryLedger;
  users?: { getRecipient(userId: string): Promise<Recipient | null> };
  suppressed?: Set<string>;
  leaseMs?: number;
}

/** A delivery core for worker tests: memory ledger and, unless given, recipients that allow everything. */
export function testDeliveryCore(options: TestCoreOptions): DeliveryCore {
  const suppressed = options.suppressed ?? new Set<string>();
  return createDeliveryCore({
    channel: options.channel,
    ledger: options.ledger ?? createMemoryLedger(),
    queue: options.queue,
    logger: options.logger,
    maxAttempts: options.maxAttempts,
    leaseMs: options.leaseMs ?? 5_000,
    policy: createSendPolicy({
      users: options.users ?? fakeRecipients({ fallback: true }),
      suppressions: { isSuppressed: async (address) => suppressed.has(address.toLowerCase()) },
    }),
  });
}
