import type { Config } from '../../../shared/config.js';
import type { Logger } from '../../../shared/logging/logger.js';
import { createMemoryInboxBus, type InboxBus } from './inbox-bus.js';
import { createRedisInboxBus } from './redis-inbox-bus.js';

/** The inbox bus the config names: Redis pub/sub when `REDIS_URL` is set (every replica), else in this process. */
export function createInboxBusFor(config: Config, logger: Logger): InboxBus {
  return config.redisUrl ? createRedisInboxBus({ url: config.redisUrl, logger }) : createMemoryInboxBus();
}
