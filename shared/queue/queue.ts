import type { Db } from '../db/create-db.js';
import { AppError } from '../errors.js';
import type { MessageInput, MessageOf, RoutingKey } from '../messages.js';

/**
 * What a handler decided about one message.
 * - `done`: handled (or deliberately skipped); the message is removed.
 * - `retry`: a transient failure; the message comes back after `delayMs`, or
 *   after the routing key's policy delay when omitted. After the policy's last
 *   attempt it is dead-lettered with `reason` instead.
 * - `dead_letter`: a permanent failure; the message goes to the dead-letter
 *   queue at once with `reason`.
 *
 * A handler may also throw: an `AppError` with `retryable: true` counts as
 * `retry`, anything else as `dead_letter` (see `settle.ts`, the one place
 * that decides).
 */
export type Outcome =
  | { type: 'done' }
  | { type: 'retry'; reason: string; delayMs?: number }
  | { type: 'dead_letter'; reason: string };

export const done = (): Outcome => ({ type: 'done' });
export const retry = (reason: string, delayMs?: number): Outcome =>
  delayMs === undefined ? { type: 'retry', reason } : { type: 'retry', reason, delayMs };
export const deadLetter = (reason: string): Outcome => ({ type: 'dead_letter', reason });

/** Transport facts about one delivery, beside the message itself. */
export interface Delivery {
  /** Transport message id, stable across retries of the same message. */
  id: string;
  /** 1 for the first delivery, counted by the broker (also written into `message.attempt`). */
  attempt: number;
  /** Headers given at publish (string values). */
  headers: Record<string, string>;
}

export type Handler<K extends RoutingKey> = (message: MessageOf<K>, delivery: Delivery) => Promise<Outcome>;

export interface PublishOptions {
  /** Carried beside the message (AMQP headers, SQS message attributes). Names starting `x-` are reserved. */
  headers?: Record<string, string>;
  /** Deliver no sooner than this. SQS allows at most 15 minutes. */
  delayMs?: number;
}

export interface ConsumeOptions {
  /** Messages handled at once by this consumer (the prefetch). Default 10. */
  concurrency?: number;
}

export interface Consumer {
  /** Stop taking messages and wait for the handlers already running to settle. */
  stop(): Promise<void>;
}

export interface KeyStats {
  /** Messages waiting to be consumed (not those waiting for a retry delay). */
  depth: number;
  /** Messages taken by this process's consumers and not yet settled. */
  inFlight: number;
  /** Messages of this key sent to the dead-letter queue by this process since it started. */
  deadLettered: number;
}

export interface QueueStats {
  keys: Record<RoutingKey, KeyStats>;
  /** Messages now in the dead-letter queue, every key together. */
  deadLetterDepth: number;
}

/** One message in the dead-letter queue. */
export interface DeadLetter {
  /** Pass to `redrive`. */
  id: string;
  /** Routing key it was published to, when known. */
  key: RoutingKey | undefined;
  /** Why it was dead-lettered. */
  reason: string;
  /** Deliveries it had. */
  attempts: number;
  /** ISO time it was dead-lettered, when known. */
  failedAt: string | undefined;
  headers: Record<string, string>;
  /** The message as it was published (parsed JSON, or the raw text when it was not JSON). */
  body: unknown;
}

/** Operator tooling over the dead-letter queue (`npm run dlq`, the admin route). */
export interface DeadLetterTools {
  /** Up to `limit` dead letters, oldest first where the broker keeps an order. Does not remove them. */
  list(limit?: number): Promise<DeadLetter[]>;
  /** Publish one dead letter (or all) back to its routing key as a fresh first attempt. Resolves with how many. */
  redrive(id: string | 'all'): Promise<number>;
  /** Delete every dead letter. Resolves with how many. */
  purge(): Promise<number>;
}

/**
 * A queue whose messages live in a SQL database: publish as part of a
 * transaction of the caller's on that same database, so the publish commits
 * (or rolls back) with the caller's own writes.
 */
export interface TransactionalPublisher {
  /** The database the messages live in; only a transaction on it (or `db` itself) may be passed. */
  readonly db: Db;
  publishMany<K extends RoutingKey>(tx: Db, key: K, messages: Array<MessageInput<K>>, options?: PublishOptions): Promise<void>;
}

/**
 * Port: durable, at-least-once delivery of the catalog's messages
 * (`shared/messages.ts`). Adapters: RabbitMQ (`createRabbitQueue`), SQS
 * (`createSqsQueue`), Postgres (`createPostgresQueue`) and memory
 * (`createMemoryQueue`); pick one with
 * `createQueue(config, logger)`. Every adapter passes `queue.contract.ts`.
 *
 * Handlers must be idempotent: a message can arrive twice (a consumer that
 * died after handling but before acknowledging, a publish retried across a
 * reconnect).
 */
export interface Queue {
  /** Resolves once the broker has the message (publisher confirm); rejects loudly otherwise, never drops it. */
  publish<K extends RoutingKey>(key: K, message: MessageInput<K>, options?: PublishOptions): Promise<void>;
  /** Publish several messages of one key, batched where the broker allows; resolves once all are confirmed. */
  publishMany<K extends RoutingKey>(key: K, messages: Array<MessageInput<K>>, options?: PublishOptions): Promise<void>;
  /**
   * Run `handler` for every message of `key`, up to `concurrency` at once,
   * inside a log context carrying the message's `correlation_id` and
   * `notification_id`. Messages that fail the catalog schema never reach it.
   */
  consume<K extends RoutingKey>(key: K, handler: Handler<K>, options?: ConsumeOptions): Promise<Consumer>;
  stats(): Promise<QueueStats>;
  readonly deadLetters: DeadLetterTools;
  /** Present on a queue kept in a SQL database (the Postgres driver). */
  readonly transactional?: TransactionalPublisher;
  /** Throws when the broker is unreachable (readiness checks). */
  ping(): Promise<void>;
  /** Stop every consumer (waiting for running handlers) and release the connection. */
  close(): Promise<void>;
}

/** A publish could not reach the broker in time; the caller still owns the message (retryable, 503). */
export class QueueUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super('queue_unavailable', 503, message, { retryable: true, retryAfterSeconds: 5, cause });
  }
}
