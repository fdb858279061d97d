import type { Authenticator } from '../../../shared/auth/authenticator.js';
import type { UserClient } from '../../../shared/clients/user-client.js';
import type { Db } from '../../../shared/db/create-db.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { StatusReport } from '../notification-store.js';
import type { InboxTokens } from './inbox-auth.js';
import type { InboxBus } from './inbox-bus.js';
import type { InboxStore } from './inbox-store.js';

/** What the inbox routes (feed, marks, tokens, stream) need. */
export interface InboxDeps {
  store: InboxStore;
  bus: InboxBus;
  tokens: InboxTokens;
  authenticator: Authenticator;
  /** Whether a user exists, by user id or external id (an embed token is minted only for one). */
  users: Pick<UserClient, 'getRecipient' | 'findByExternalId'>;
  /** Records the `read` status of items (the notifications' timelines) in the transaction that marks them. */
  recordReadIn: (tx: Db, reports: StatusReport[]) => Promise<unknown>;
  logger: Logger;
  /** How often an idle stream sends a heartbeat comment. */
  heartbeatMs: number;
}
