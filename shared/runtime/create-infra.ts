import type { Cache } from '../cache/cache.js';
import { createMemoryCache } from '../cache/memory-cache.js';
import { createRedisCache } from '../cache/redis-cache.js';
import type { Config } from '../config.js';
import { createDb, dbOptionsFrom } from '../db/create-db.js';
import { createLogger } from '../logging/logger.js';
import { createQueue } from '../queue/create-queue.js';
import { setupTracing } from '../tracing/setup-tracing.js';
import { resolveInternalSecret, resolveJwtSecret } from './dev-secrets.js';
import type { Infra } from './function-module.js';

function createCache(config: Config): Cache {
  return config.redisUrl ? createRedisCache({ url: config.redisUrl }) : createMemoryCache();
}

/**
 * Build the adapters the config names: Postgres or PGlite, Redis or memory,
 * Postgres (in that database), RabbitMQ, SQS or memory; and tracing (trace context always, spans exported
 * when `OTEL_TRACES_EXPORTER` says where).
 */
export async function createInfra(
  config: Config,
  name: string,
): Promise<Infra & { close(): Promise<void>; flushTraces(): Promise<void> }> {
  const tracing = setupTracing({ config: config.tracing, serviceName: name === 'dev' ? 'notification-platform' : name });
  const logger = createLogger({ level: config.logLevel, name });
  if (tracing.exporting)
    logger.info({ exporter: config.tracing.exporter, url: config.tracing.otlpTracesUrl }, 'exporting traces');
  let database: Awaited<ReturnType<typeof createDb>> | undefined;
  let queue: Awaited<ReturnType<typeof createQueue>>;
  try {
    database = await createDb(dbOptionsFrom(config));
    queue = await createQueue(config, logger, database);
  } catch (err) {
    // nothing half-built stays open: a failed start can be retried in the same process (Lambda does)
    await database?.close().catch(() => {});
    await tracing.shutdown();
    throw err;
  }
  const cache = createCache(config);
  return {
    config,
    logger,
    database,
    cache,
    queue,
    jwtSecret: resolveJwtSecret(config),
    internalSecret: resolveInternalSecret(config),
    flushTraces: () => tracing.flush(),
    close: async () => {
      await queue.close();
      await cache.close();
      await database.close();
      await tracing.shutdown();
    },
  };
}
