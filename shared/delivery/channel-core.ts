import type { Recipient } from '../clients/user-client.js';
import { MESSAGES } from '../messages.js';
import type { Infra } from '../runtime/function-module.js';
import type { Channel } from '../schemas/channels.js';
import { createDeliveryCore, type DeliveryCore } from './delivery-core.js';
import { createPostgresLedger } from './postgres-ledger.js';
import { createSendPolicy, type PolicyRule, type SuppressionList } from './send-policy.js';

export interface ChannelCoreOptions {
  channel: Channel;
  /** The cached user client the policy step re-reads the recipient through. */
  users: { getRecipient(userId: string): Promise<Recipient | null> };
  /** The gateway's suppression list (channels that send to an address). */
  suppressions?: SuppressionList;
  /** Policy rules beyond the built-in ones. */
  rules?: PolicyRule[];
}

/**
 * A worker function's delivery core as every runtime wires it: the ledger on
 * the function's database (Postgres, PGlite under `npm start`), status
 * reports on its queue, the channel's retry policy, the send-time policy.
 * The function declares `deliveryMigrations` so the ledger's table exists.
 */
export function createChannelCore(infra: Infra, options: ChannelCoreOptions): DeliveryCore {
  return createDeliveryCore({
    channel: options.channel,
    ledger: createPostgresLedger(infra.database.db),
    queue: infra.queue,
    logger: infra.logger,
    maxAttempts: MESSAGES[options.channel].retry.maxAttempts,
    policy: createSendPolicy({
      users: options.users,
      ...(options.suppressions && { suppressions: options.suppressions }),
      ...(options.rules && { rules: options.rules }),
    }),
  });
}
