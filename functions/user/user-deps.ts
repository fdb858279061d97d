import type { Authenticator } from '../../shared/auth/authenticator.js';
import type { Cache } from '../../shared/cache/cache.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { ReadinessCheck } from '../../shared/http/health.js';
import type { UserStore } from './user-store.js';

/** What the user function's routes need: ports and settings, no adapters. */
export interface UserAppDeps {
  store: UserStore;
  authenticator: Authenticator;
  cache: Cache;
  logger: Logger;
  jwt: { secret: string; ttlSeconds: number };
  /** Hosts whose push endpoints may be http or local (development). */
  pushEndpointAllowlist: string[];
  bodyLimitBytes: number;
  readiness: Record<string, ReadinessCheck>;
  /** Failed logins allowed per email per minute. */
  loginAttemptsPerMinute?: number;
}
