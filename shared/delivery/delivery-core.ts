import type { Recipient } from '../clients/user-client.js';
import { isDatabaseUnavailable } from '../db/db-errors.js';
import { AppError, ServiceUnavailableError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { StatusMessage } from '../messages.js';
import { type Delivery, deadLetter, done, type Outcome, type Queue, retry } from '../queue/queue.js';
import { gaveUp } from '../queue/settle.js';
import type { Channel } from '../schemas/channels.js';
import type { NotificationStatus } from '../schemas/notification-statuses.js';
import { DeliveryInProgressError, type DeliveryLedger, type LedgerKey } from './delivery-ledger.js';
import type { SendPolicy } from './send-policy.js';
import { createStatusReporter, type ReportFields, type StatusFields } from './status-reporter.js';

export interface DeliveryCoreDeps {
  channel: Channel;
  /** Where claims and "already done" records live (Postgres in every runtime). */
  ledger: DeliveryLedger;
  /** Where status reports go (routing key `status`). */
  queue: Pick<Queue, 'publishMany'>;
  /** The send-time policy, asked right before the provider call. */
  policy: SendPolicy;
  logger: Logger;
  /** The channel's retry policy's attempts: on the last one, what is still transient becomes final. */
  maxAttempts: number;
  /** How long one delivery holds a notification; a holder that died is taken over after this. Default 60 s. */
  leaseMs?: number;
  /** How long a completed delivery is remembered: longer than any retry, redelivery or redrive. Default 30 days. */
  recordTtlMs?: number;
  /** Expired records are swept at most this often, by whichever delivery comes along. Default 10 minutes. */
  sweepEveryMs?: number;
  /**
   * How long one delivery waits, in the worker, for the platform's own
   * dependencies (the ledger's database, the cache, a peer function) to come
   * back before it is handed back to the queue. Default 30 s.
   */
  outageWaitMs?: number;
  /** Between two tries while waiting out an outage, and the retry delay after it. Default 500 ms. */
  outageRetryMs?: number;
  now?: () => Date;
}

/** The fields of a delivery message the core reads (every channel's message has them). */
export interface DeliveryMessage {
  notification_id: string;
  user_id: string;
  correlation_id?: string | undefined;
  /** A later channel follows: a permanent failure is final here (see the catalog's `fallback`). */
  fallback?: boolean | undefined;
}

/** What a channel's `prepare` step made of a message: content to send and its category, or why there is none. */
export type Prepared<P> = { ok: true; category: string; content: P } | { ok: false; reason: string };

/** Records of one notification's parts (push devices): kept with the notification's record, for as long. */
export interface PartLedger {
  /** Every part completed so far, by part. */
  completed<R>(): Promise<Map<string, R>>;
  complete(part: string, result: unknown): Promise<void>;
  /** True only for the first caller. */
  completeOnce(part: string, result: unknown): Promise<boolean>;
}

/** What the `send` step gets: the message, the content, and the recipient as the policy read it just now. */
export interface SendInput<M, P> {
  message: M;
  delivery: Delivery;
  content: P;
  category: string;
  /** The user as it is now (send to `recipient.email`, not to an address frozen in the message). */
  recipient: Recipient;
  /** True on the retry policy's last attempt: a transient failure now is final. */
  lastAttempt: boolean;
  /** A status report about this notification (e.g. one per device, with `device_id`). */
  status(fields: StatusFields): StatusMessage;
  parts: PartLedger;
}

/** What the `send` step decided. `statuses` go out with the final report, in one batch. */
export type SendResult =
  | {
      kind: 'delivered';
      fields?: ReportFields;
      statuses?: StatusMessage[];
      /** The notification's `delivered` already went out on an earlier attempt: do not report it again. */
      alreadyReported?: boolean;
    }
  | {
      /** Permanent: no retry. Dead-lettered (a redrive may send it later) unless `settle` is `done`. */
      kind: 'failed';
      reason: string;
      fields?: ReportFields;
      statuses?: StatusMessage[];
      settle?: 'dead_letter' | 'done';
    }
  | { kind: 'retry'; reason: string; delayMs?: number; fields?: ReportFields; statuses?: StatusMessage[] };

/** A channel's own steps; the core runs them between its claim, its policy step and its reports. */
export interface ChannelSteps<M extends DeliveryMessage, P> {
  /** Everything that needs no recipient (render the pinned template version). May throw an `AppError`. */
  prepare(message: M): Promise<Prepared<P>>;
  /** The provider call(s). Thrown errors count as `retry`, or as `failed` when an `AppError` says no retry can help. */
  send(input: SendInput<M, P>): Promise<SendResult>;
}

/** What the ledger keeps about a finished delivery: its final report, made again to a redelivery instead of sending. */
type FinishedRecord = StatusFields & { status: NotificationStatus };

const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_RECORD_TTL_MS = 30 * 86_400_000;
const DEFAULT_OUTAGE_WAIT_MS = 30_000;
const DEFAULT_OUTAGE_RETRY_MS = 500;
/** After waiting out an outage in vain, the message comes back after this, not after the channel's provider backoff. */
const AFTER_OUTAGE_RETRY_MS = 5_000;

/** The platform's own dependency is unreachable (not the provider, not the message): waiting helps. */
function isOutage(error: unknown): boolean {
  return error instanceof ServiceUnavailableError || isDatabaseUnavailable(error);
}

function failureOf(error: unknown): SendResult {
  // waited out in vain: back soon, not after the provider's backoff
  if (isOutage(error))
    return { kind: 'retry', reason: error instanceof Error ? error.message : String(error), delayMs: AFTER_OUTAGE_RETRY_MS };
  if (error instanceof AppError)
    return error.retryable
      ? { kind: 'retry', reason: `${error.code}: ${error.message}` }
      : { kind: 'failed', reason: `${error.code}: ${error.message}` };
  // an unexpected error (a network blip, a bug): retrying is bounded, guessing "permanent" would lose the notification
  return { kind: 'retry', reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/**
 * The one delivery core every channel worker runs on (email, push, in-app):
 * an idempotent consumer in the shape of Powertools' `makeIdempotent`. For
 * each message, {@link DeliveryCore.run}:
 *
 * 1. **claim**: take the notification in the {@link DeliveryLedger}. Already
 *    completed: report its final status again (the earlier report may be what
 *    failed) and send nothing. Held by another delivery: retry after its lease.
 * 2. **prepare**: the channel renders its content.
 * 3. **policy**: the send-time policy re-reads the user; a `skip` ends the
 *    notification `skipped` or `suppressed` with the reason, nothing sent.
 * 4. **send**: report `sending`, then the channel's provider call(s).
 * 5. **finish**: `delivered` is recorded in the ledger *before* it is
 *    reported, so a failed report is repeated, never the send; permanent
 *    failures are reported `failed` and dead-lettered (with a next channel,
 *    `fallback`, recorded instead and reported `final`, like a skip: the
 *    gateway moves the notification on); transient ones are
 *    reported `pending` and retried through the queue, and on the last
 *    attempt reported `failed` ("gave up after N attempts") and dead-lettered.
 * 6. **release**: the claim is dropped, except after a send whose record could
 *    not be written: then the lease runs out first, so a quick redelivery
 *    cannot send again.
 */
export function createDeliveryCore(deps: DeliveryCoreDeps) {
  const { channel, ledger, logger } = deps;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const recordTtlMs = deps.recordTtlMs ?? DEFAULT_RECORD_TTL_MS;
  const sweepEveryMs = deps.sweepEveryMs ?? 600_000;
  const outageWaitMs = deps.outageWaitMs ?? DEFAULT_OUTAGE_WAIT_MS;
  const outageRetryMs = deps.outageRetryMs ?? DEFAULT_OUTAGE_RETRY_MS;
  const now = deps.now ?? (() => new Date());
  const reporter = createStatusReporter({ channel, queue: deps.queue, now });
  let lastSweep = now().getTime();

  function sweepNowAndThen(): void {
    if (now().getTime() - lastSweep < sweepEveryMs) return;
    lastSweep = now().getTime();
    ledger.sweep().then(
      (n) => logger.debug({ swept: n }, 'expired delivery records swept'),
      (err: unknown) => logger.warn({ err }, 'could not sweep expired delivery records'),
    );
  }

  /**
   * `step`, tried again every `outageRetryMs` while it fails because a
   * dependency of the platform is down, for up to `outageWaitMs`: the
   * delivery waits (its consumer slot with it, so consumption pauses) instead
   * of using up one of the channel's attempts and growing its backoff.
   */
  async function throughOutage<T>(what: string, step: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + outageWaitMs;
    for (let waited = false; ; waited = true) {
      try {
        const value = await step();
        if (waited) logger.info(`${what} reachable again`);
        return value;
      } catch (error) {
        if (!isOutage(error) || Date.now() >= giveUpAt) throw error;
        if (!waited) logger.warn({ err: error }, `${what} unavailable; the delivery waits for it`);
        await new Promise((resolve) => setTimeout(resolve, outageRetryMs));
      }
    }
  }

  const partsOf = (notificationId: string): PartLedger => ({
    completed: <R>() => ledger.completedParts<R>(channel, notificationId),
    complete: (part, result) => ledger.complete({ channel, notificationId, part }, result, recordTtlMs),
    completeOnce: (part, result) => ledger.completeOnce({ channel, notificationId, part }, result, recordTtlMs),
  });

  async function run<M extends DeliveryMessage, P>(message: M, delivery: Delivery, steps: ChannelSteps<M, P>): Promise<Outcome> {
    sweepNowAndThen();
    const key: LedgerKey = { channel, notificationId: message.notification_id };
    const status = (fields: StatusFields) => reporter.status(message, delivery.attempt, fields);
    // the notification's next channel takes over from a final report (the gateway reads `final`); the record
    // keeps the mark, so the report a redelivery makes again from it says the same
    const final = <F extends StatusFields>(fields: F): F => (message.fallback ? { ...fields, final: true } : fields);

    let claim: Awaited<ReturnType<typeof ledger.claim<FinishedRecord>>>;
    try {
      claim = await throughOutage('delivery ledger', () => ledger.claim<FinishedRecord>(key, delivery.id, leaseMs));
    } catch (error) {
      if (error instanceof DeliveryInProgressError) return retry(error.message, error.retryAfterMs);
      return retry(
        `delivery ledger unavailable: ${error instanceof Error ? error.message : String(error)}`,
        AFTER_OUTAGE_RETRY_MS,
      );
    }
    if (claim.state === 'completed') {
      logger.info({ status: claim.result.status }, `${channel} notification already ${claim.result.status}; not sent again`);
      await reporter.publish([status(claim.result)]);
      return done();
    }

    // after a completed record there is no claim left to release
    let holdLease = false;
    let completed = false;
    const finishWith = async (record: FinishedRecord, reports: StatusMessage[]): Promise<Outcome> => {
      // recorded before reported: if the report fails, the retry finds the record and only reports
      holdLease = true;
      await throughOutage('delivery ledger', () => ledger.complete(key, record, recordTtlMs));
      holdLease = false;
      completed = true;
      await reporter.publish(reports);
      return done();
    };

    try {
      let result: SendResult;
      try {
        const prepared = await throughOutage(`${channel} content`, () => steps.prepare(message));
        if (!prepared.ok) {
          result = { kind: 'failed', reason: prepared.reason };
        } else {
          const verdict = await throughOutage('send-time policy', () =>
            deps.policy.check({ channel, userId: message.user_id, category: prepared.category }),
          );
          if (verdict.action === 'skip') {
            logger.info(
              { status: verdict.status, reason: verdict.reason },
              `${channel} notification not sent: ${verdict.reason}`,
            );
            const fields = final({ status: verdict.status, error: verdict.reason });
            return await finishWith(fields, [status(fields)]);
          }
          await reporter.publish([status({ status: 'sending' })]);
          result = await steps.send({
            message,
            delivery,
            content: prepared.content,
            category: prepared.category,
            recipient: verdict.recipient,
            lastAttempt: delivery.attempt >= deps.maxAttempts,
            status,
            parts: partsOf(message.notification_id),
          });
        }
      } catch (error) {
        result = failureOf(error);
      }

      const statuses = result.statuses ?? [];
      switch (result.kind) {
        case 'delivered': {
          const fields: StatusFields = { ...result.fields, status: 'delivered' };
          logger.info({ provider: fields.provider, provider_message_id: fields.provider_message_id }, `${channel} delivered`);
          return await finishWith(fields, [...statuses, ...(result.alreadyReported ? [] : [status(fields)])]);
        }
        case 'failed': {
          const fields: StatusFields = { ...result.fields, status: 'failed', error: result.reason };
          // with a next channel a permanent failure is final: recorded, so no redrive sends here after it
          const settle = result.settle ?? (message.fallback ? 'done' : 'dead_letter');
          if (settle === 'done') return await finishWith(final(fields), [...statuses, status(final(fields))]);
          await reporter.publish([...statuses, status(fields)]);
          return deadLetter(result.reason);
        }
        case 'retry': {
          if (delivery.attempt >= deps.maxAttempts) {
            const reason = gaveUp(delivery.attempt, result.reason);
            await reporter.publish([...statuses, status({ ...result.fields, status: 'failed', error: reason })]);
            return deadLetter(reason);
          }
          await reporter.publish([
            ...statuses,
            status({ ...result.fields, status: 'pending', error: `will retry: ${result.reason}` }),
          ]);
          return retry(result.reason, result.delayMs);
        }
      }
      return result satisfies never;
    } finally {
      if (!holdLease && !completed) await ledger.release(key, delivery.id).catch(() => undefined);
    }
  }

  return { run, status: reporter.status, publish: reporter.publish };
}

/** One channel's delivery core. */
export type DeliveryCore = ReturnType<typeof createDeliveryCore>;
