import type { Hono } from 'hono';
import type { Cache } from '../cache/cache.js';
import type { Fetcher } from '../clients/fetcher.js';
import type { Config } from '../config.js';
import type { Database, MigrationSet } from '../db/create-db.js';
import type { AppEnv } from '../http/app-env.js';
import type { Logger } from '../logging/logger.js';
import type { RoutingKey } from '../messages.js';
import type { Handler, Queue } from '../queue/queue.js';
import type { FunctionName } from './function-names.js';

/** Functions another function may call over HTTP. */
export type PeerName = FunctionName;

/** Adapters built once from config by an entry point and handed to each function. */
export interface Infra {
  config: Config;
  logger: Logger;
  database: Database;
  cache: Cache;
  /** Delivery, retries and status messages (RabbitMQ, SQS or memory, per QUEUE_DRIVER). */
  queue: Queue;
  /** Token signing secret: JWT_SECRET, or a dev secret kept in DATA_DIR. */
  jwtSecret: string;
  /** Service credential secret (`/internal/v1` calls): INTERNAL_SECRET, or a dev secret kept in DATA_DIR. */
  internalSecret: string;
}

/** Reaching the other functions (HTTP only; see docs/architecture.md). */
export interface Peers {
  fetcher(name: PeerName): Fetcher;
}

export interface RunningFunction {
  app: Hono<AppEnv>;
  /** Start background work (consumers, relays); resolves once started. */
  start?(): Promise<void>;
  /** Stop background work and release what `create` opened. */
  stop?(): Promise<void>;
  /** The queue handlers `start()` consumes with, for a runtime that polls on its own (Lambda) and does not run `start()`. */
  handlers?: { [K in RoutingKey]?: Handler<K> };
  /** Lines the entry point prints once to the terminal (e.g. a generated dev admin key). */
  banner?: string[];
}

/**
 * One function as the entry points see it. `main.ts` runs one module alone;
 * the dev runner (`npm start`) runs all five in one process; `lambda.ts`
 * wraps the same `create`.
 */
export interface FunctionModule {
  name: FunctionName;
  /** Port inside its container (docs/architecture.md), the default when it runs alone. */
  containerPort: number;
  /** Port under `npm start` (8000-8004). */
  devPort: number;
  /** Tables it owns (its own set, and shared ones such as the delivery ledger), in the order they apply. */
  migrations?: MigrationSet[];
  create(infra: Infra, peers: Peers): Promise<RunningFunction>;
}
