import { AppError } from '../errors.js';

/**
 * Which record: one channel's delivery of one notification, or one part of
 * it (`part`: a push device). The whole notification is part `''`.
 */
export interface LedgerKey {
  channel: string;
  notificationId: string;
  part?: string;
}

/** What {@link DeliveryLedger.claim} found. */
export type ClaimResult<R> =
  /** Nobody holds it and it was never completed: the caller holds it now, for the lease. */
  | { state: 'claimed' }
  /** Completed earlier: the stored result, so the caller can report it again instead of sending. */
  | { state: 'completed'; result: R };

/**
 * Another delivery holds the record (a redelivery racing a slow first try,
 * two replicas given the same message). Retryable: try again once the lease
 * may have run out.
 */
export class DeliveryInProgressError extends AppError {
  constructor(
    readonly key: LedgerKey,
    /** Milliseconds until the other holder's lease runs out. */
    readonly retryAfterMs: number,
  ) {
    super(
      'delivery_in_progress',
      409,
      `another delivery of ${key.channel} notification ${key.notificationId}${key.part ? ` (${key.part})` : ''} is in progress`,
      { retryable: true, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
    );
  }
}

/**
 * Port: the persistence layer of the delivery core, shaped like Powertools'
 * `BasePersistenceLayer`: a record is `in_progress` (held by one delivery for
 * a lease) or `completed` (with the result, for a TTL). The "already done"
 * markers that keep a redelivered message from being sent twice live here,
 * so they must live where every replica and every Lambda instance sees the
 * same ones and survive a cache outage: Postgres (`createPostgresLedger`, on
 * PGlite under `npm start`). `createMemoryLedger` is for tests.
 */
export interface DeliveryLedger {
  /**
   * Hold `key` for `holder` (the transport message id) for `leaseMs`. A
   * completed record comes back as such; a record another holder still
   * leases throws {@link DeliveryInProgressError}. An expired record, or a
   * lease that ran out (its holder died), is taken over.
   */
  claim<R>(key: LedgerKey, holder: string, leaseMs: number): Promise<ClaimResult<R>>;
  /** Record `key` as completed with `result` for `ttlMs`, whoever held it. */
  complete(key: LedgerKey, result: unknown, ttlMs: number): Promise<void>;
  /** Complete `key` only if there is no live record yet; true when this call stored it. */
  completeOnce(key: LedgerKey, result: unknown, ttlMs: number): Promise<boolean>;
  /** Drop `holder`'s lease on `key` (nothing happens when it is completed or someone else's). */
  release(key: LedgerKey, holder: string): Promise<void>;
  /** Completed parts of one notification (every `part` but `''`), by part. */
  completedParts<R>(channel: string, notificationId: string): Promise<Map<string, R>>;
  /** Delete expired records; resolves with how many. */
  sweep(): Promise<number>;
}
