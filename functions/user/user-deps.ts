import type { Authenticator } from '../../shared/auth/authenticator.js';
import type { TokenRevocations } from '../../shared/auth/token-revocations.js';
import type { Cache } from '../../shared/cache/cache.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { OutboundPolicy } from '../../shared/net/outbound-policy.js';
import type { PasswordHasher } from './auth/password.js';
import type { TopicStore } from './topics/topic-store.js';
import type { RecipientImport } from './users/recipient-import.js';
import type { RecipientReader } from './users/recipient-reader.js';
import type { UserStore } from './users/user-store.js';

/** What the user function's routes need: ports and settings, no adapters. */
export interface UserAppDeps {
  store: UserStore;
  /** Bulk upsert of recipients (`POST /api/v1/users/bulk`). */
  recipients: RecipientImport;
  /** Recipients as the gateway reads them (internal routes; fan-out pages). */
  recipientReader: RecipientReader;
  topics: TopicStore;
  authenticator: Authenticator;
  /** Tells the functions that cache user-token principals that a user's tokens were revoked. */
  tokenRevocations: TokenRevocations;
  cache: Cache;
  /** Hashes and checks passwords at the configured scrypt cost (rehash on login). */
  passwords: PasswordHasher;
  logger: Logger;
  jwt: { secret: string; ttlSeconds: number };
  /** Verifies the service credential on `/internal/v1` (INTERNAL_SECRET). */
  internalSecret: string;
  /** Which push endpoints may be registered (config `push.endpointPolicy`; the push worker applies it again). */
  pushEndpointPolicy: OutboundPolicy;
  /** Devices one user may register; the next one is a 409. */
  maxDevicesPerUser: number;
  bodyLimitBytes: number;
  readiness: Record<string, ReadinessCheck>;
  /** Login attempts allowed per email and client address per minute. */
  loginAttemptsPerMinute?: number;
}
