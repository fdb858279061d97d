import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Cache } from '../cache/cache.js';
import { createMemoryCache } from '../cache/memory-cache.js';
import { type Config, type Env, loadConfig } from '../config.js';
import type { Database } from '../db/create-db.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMemoryQueue } from '../queue/memory-queue.js';
import type { Queue } from '../queue/queue.js';
import type { Infra } from '../runtime/function-module.js';

export interface TestInfraOptions {
  database: Database;
  env?: Env;
  cache?: Cache;
  queue?: Queue;
}

/** Infra for suites that run real function modules in-process; log lines are kept in `logLines`. */
export function createTestInfra(options: TestInfraOptions): Infra & { logLines: string[]; logger: Logger } {
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    name: 'test',
    destination: new Writable({
      write(chunk, _e, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  // suites create many users: a cheap scrypt cost, set explicitly (the default is OWASP's); a suite's env may override it
  const config: Config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug', PASSWORD_SCRYPT_N: '4096', ...options.env });
  return {
    config,
    logger,
    logLines,
    database: options.database,
    cache: options.cache ?? createMemoryCache(),
    queue: options.queue ?? createMemoryQueue({ logger }),
    jwtSecret: randomBytes(32).toString('base64url'),
    internalSecret: randomBytes(32).toString('base64url'),
  };
}
