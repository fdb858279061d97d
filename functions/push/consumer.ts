import { getJson, setJson, type Cache } from '../../shared/cache/cache.js';
import type { TemplateClient } from '../../shared/clients/template-client.js';
import type { UserClient } from '../../shared/clients/user-client.js';
import { AppError, UnprocessableError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { PushMessage, StatusMessage } from '../../shared/messages.js';
import { deadLetter, done, retry, type Delivery, type Outcome, type Queue } from '../../shared/queue/queue.js';
import { notificationOf, sendOptionsOf, type PushDefaults } from './push-delivery-options.js';
import type { PushDevice, PushProvider, PushResult, PushSender } from './push-sender.js';

export interface SendPushDeps {
  users: Pick<UserClient, 'listDevices' | 'pruneDevice'>;
  templates: Pick<TemplateClient, 'render'>;
  sender: PushSender;
  cache: Cache;
  queue: Pick<Queue, 'publishMany'>;
  logger: Logger;
  defaults: PushDefaults;
  /** Deliveries in all (the `push` retry policy): on the last one, what is still transient becomes final. */
  maxAttempts: number;
  /** How long per-device and per-notification markers are kept: longer than retries and redrives take. Default 7 days. */
  markerTtlMs?: number;
  /** How long one delivery may hold a notification before another may take it over. Default 60 s. */
  leaseMs?: number;
  now?: () => Date;
}

/** A device's settled fate, as kept in the cache so a redelivery does not send to it again. */
interface DeviceMarker {
  status: 'delivered' | 'failed';
  reason?: string;
}

type DeviceOutcome =
  | { device: PushDevice; status: 'delivered'; fresh: boolean }
  | { device: PushDevice; status: 'failed'; reason: string; fresh: boolean }
  | { device: PushDevice; status: 'retry'; reason: string; retryAfterMs?: number; provider: PushProvider };

const MAX_ERROR_CHARS = 2000;
const clip = (text: string, max = MAX_ERROR_CHARS) => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

const keys = {
  done: (id: string) => `push:done:${id}`,
  lease: (id: string) => `push:lease:${id}`,
  overall: (id: string) => `push:overall-delivered:${id}`,
  failures: (id: string) => `push:failures:${id}`,
  device: (id: string, deviceId: string) => `push:device:${id}:${deviceId}`,
};

/**
 * The push consumer: `(message, delivery) => Outcome` for routing key `push`.
 * Looks up the user's devices, renders the pinned template version, sends
 * to every device at once, and reports a status per device (with
 * `device_id`) and one overall status: `delivered` as soon as one device got
 * it, `failed` with every device's reason when none did.
 *
 * Idempotent without tables: the cache keeps a marker per delivered (or
 * permanently failed) device, so a redelivered message, or a retry after
 * some devices succeeded, sends only to the devices still owed. A lease per
 * notification keeps two deliveries of one message (two replicas) from
 * sending at the same time.
 *
 * Transient failures (429, 5xx, timeouts, open circuits) retry the message
 * through the queue, honouring the longest `Retry-After`; 404/410 prune the
 * device through the user function; 400/401/403/413 and oversize payloads
 * fail that device for good.
 */
export function createSendPush(deps: SendPushDeps): (message: PushMessage, delivery: Delivery) => Promise<Outcome> {
  const markerTtlMs = deps.markerTtlMs ?? 7 * 24 * 3600_000;
  const leaseMs = deps.leaseMs ?? 60_000;
  const now = deps.now ?? (() => new Date());
  const { cache, logger } = deps;

  const status = (message: PushMessage, attempt: number, fields: Omit<StatusMessage, 'notification_id' | 'channel' | 'timestamp' | 'attempt' | 'correlation_id'>): StatusMessage => ({
    notification_id: message.notification_id,
    channel: 'push',
    timestamp: now().toISOString(),
    attempt,
    correlation_id: message.correlation_id,
    ...fields,
  });

  /** Report a failure of the whole notification and stop. */
  const finishFailed = async (message: PushMessage, attempt: number, reason: string): Promise<Outcome> => {
    logger.warn({ user_id: message.user_id, reason }, 'push notification failed');
    await deps.queue.publishMany('status', [status(message, attempt, { status: 'failed', error: clip(reason) })]);
    await cache.set(keys.done(message.notification_id), 'failed', markerTtlMs);
    return done();
  };

  const settleDevice = async (message: PushMessage, device: PushDevice, result: PushResult): Promise<DeviceOutcome> => {
    const markerKey = keys.device(message.notification_id, device.id);
    const mark = (marker: DeviceMarker) => cache.set(markerKey, JSON.stringify(marker), markerTtlMs);
    switch (result.kind) {
      case 'delivered':
        await mark({ status: 'delivered' });
        return { device, status: 'delivered', fresh: true };
      case 'gone': {
        let reason = `${result.reason}; device pruned`;
        try {
          await deps.users.pruneDevice(message.user_id, device.id);
          logger.info({ user_id: message.user_id, device_id: device.id, status_code: result.statusCode }, 'dead push device pruned');
        } catch (error) {
          // the device stays listed; the next notification meets the same 404/410 and prunes it then
          reason = `${result.reason}; pruning failed: ${(error as Error).message}`;
          logger.warn({ user_id: message.user_id, device_id: device.id, err: error }, 'could not prune dead push device');
        }
        await mark({ status: 'failed', reason });
        return { device, status: 'failed', reason, fresh: true };
      }
      case 'rejected':
        if (result.configuration) {
          // our own setup is wrong (VAPID keys, FCM project): every message fails the same way until someone fixes it
          logger.error(
            { device_id: device.id, origin: deps.sender.originOf(device), status_code: result.statusCode, reason: result.reason },
            'PUSH CONFIGURATION ERROR: the push service refused our credentials or request; the device is kept',
          );
        }
        await mark({ status: 'failed', reason: result.reason });
        return { device, status: 'failed', reason: result.reason, fresh: true };
      case 'retry':
        return {
          device,
          status: 'retry',
          reason: result.reason,
          provider: result.provider,
          ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }),
        };
    }
  };

  const deliverTo = async (
    message: PushMessage,
    device: PushDevice,
    send: (device: PushDevice) => Promise<PushResult>,
  ): Promise<DeviceOutcome> => {
    const marker = await cache.get(keys.device(message.notification_id, device.id));
    if (marker) {
      const settled = JSON.parse(marker) as DeviceMarker;
      return settled.status === 'delivered'
        ? { device, status: 'delivered', fresh: false }
        : { device, status: 'failed', reason: settled.reason ?? 'failed earlier', fresh: false };
    }
    return settleDevice(message, device, await send(device));
  };

  const deviceStatus = (message: PushMessage, attempt: number, outcome: DeviceOutcome, result?: PushResult): StatusMessage => {
    const provider = outcome.device.type;
    if (outcome.status === 'delivered') {
      return status(message, attempt, {
        status: 'delivered',
        device_id: outcome.device.id,
        provider,
        ...(result?.kind === 'delivered' && result.providerMessageId && { provider_message_id: clip(result.providerMessageId, 500) }),
        ...(result?.kind === 'delivered' && { response: String(result.statusCode) }),
      });
    }
    return status(message, attempt, {
      status: outcome.status === 'retry' ? 'pending' : 'failed',
      device_id: outcome.device.id,
      provider,
      error: clip(outcome.reason),
    });
  };

  const handle = async (message: PushMessage, delivery: Delivery): Promise<Outcome> => {
    const attempt = delivery.attempt;
    const devices = await deps.users.listDevices(message.user_id);
    if (devices === null) return finishFailed(message, attempt, `user ${message.user_id} not found`);
    if (devices.length === 0) return finishFailed(message, attempt, 'no devices: the user has no push subscription or token');

    let rendered;
    try {
      rendered = await deps.templates.render(message.template_code, 'push', message.template_version, message.variables);
    } catch (error) {
      if (error instanceof UnprocessableError) return finishFailed(message, attempt, `template could not be rendered: ${error.message}`);
      throw error;
    }
    if (!rendered) {
      return finishFailed(message, attempt, `template ${message.template_code} version ${message.template_version} not found`);
    }
    const notification = notificationOf(message, rendered.content);
    const sendOptions = sendOptionsOf(message, deps.defaults);

    const results = new Map<string, PushResult>();
    const outcomes = await Promise.all(
      devices.map((device) =>
        deliverTo(message, device, async (d) => {
          const result = await deps.sender.send(d, notification, sendOptions);
          results.set(d.id, result);
          return result;
        }),
      ),
    );

    const last = attempt >= deps.maxAttempts;
    const final = outcomes.map((o): DeviceOutcome =>
      o.status === 'retry' && last ? { device: o.device, status: 'failed', reason: `gave up after ${attempt} attempts: ${o.reason}`, fresh: true } : o,
    );
    const statuses = final
      .filter((o) => o.status === 'retry' || o.fresh)
      .map((o) => deviceStatus(message, attempt, o, results.get(o.device.id)));

    const delivered = final.filter((o) => o.status === 'delivered');
    const pending = final.filter((o): o is Extract<DeviceOutcome, { status: 'retry' }> => o.status === 'retry');
    // overall `delivered` goes out once, as soon as the first device has it, even while others are retried
    if (delivered.length > 0 && (await cache.setIfAbsent(keys.overall(message.notification_id), '1', markerTtlMs))) {
      statuses.push(status(message, attempt, { status: 'delivered', provider: delivered[0]!.device.type, response: `${delivered.length}/${devices.length} devices` }));
    }

    const failed = final.filter((o): o is Extract<DeviceOutcome, { status: 'failed' }> => o.status === 'failed');
    const failuresKey = keys.failures(message.notification_id);
    if (pending.length > 0) {
      // a pruned device is not listed on the next attempt; keep its reason for the final "failed with every reason"
      if (failed.some((o) => o.fresh)) {
        const earlier = (await getJson<Record<string, string>>(cache, failuresKey)) ?? {};
        for (const o of failed) earlier[o.device.id] = o.reason;
        await setJson(cache, failuresKey, earlier, markerTtlMs);
      }
      await deps.queue.publishMany('status', statuses);
      const hints = pending.map((p) => p.retryAfterMs).filter((ms): ms is number => ms !== undefined);
      const reason = pending.map((p) => `${p.device.id}: ${p.reason}`).join('; ');
      return retry(clip(reason), hints.length > 0 ? Math.max(...hints) : undefined);
    }

    const reasons = new Map(failed.map((o) => [o.device.id, o.reason]));
    if (delivered.length === 0 && attempt > 1) {
      for (const [id, reason] of Object.entries((await getJson<Record<string, string>>(cache, failuresKey)) ?? {})) {
        if (!reasons.has(id)) reasons.set(id, reason);
      }
    }
    const failureReason = clip([...reasons].map(([id, reason]) => `${id}: ${reason}`).join('; '));
    if (delivered.length === 0) statuses.push(status(message, attempt, { status: 'failed', error: failureReason }));
    await deps.queue.publishMany('status', statuses);

    const gaveUp = outcomes.some((o) => o.status === 'retry');
    if (delivered.length === 0 && gaveUp) {
      // left to the dead-letter queue, without a done marker, so a redrive after the outage still reaches the devices owed
      return deadLetter(failureReason);
    }
    await cache.set(keys.done(message.notification_id), delivered.length > 0 ? 'delivered' : 'failed', markerTtlMs);
    if (delivered.length === 0) logger.warn({ reason: failureReason }, 'push notification failed on every device');
    return done();
  };

  return async (message, delivery) => {
    if (await cache.get(keys.done(message.notification_id))) {
      logger.info('push notification already handled; duplicate delivery skipped');
      return done();
    }
    if (!(await cache.setIfAbsent(keys.lease(message.notification_id), delivery.id, leaseMs))) {
      return retry('another delivery of this notification is in progress', Math.min(leaseMs, 5_000));
    }
    try {
      return await handle(message, delivery);
    } catch (error) {
      // a dependency failed on the last attempt: the queue dead-letters the message; say so on the timeline first
      if (delivery.attempt >= deps.maxAttempts && error instanceof AppError && error.retryable) {
        await deps.queue
          .publishMany('status', [status(message, delivery.attempt, { status: 'failed', error: clip(`gave up after ${delivery.attempt} attempts: ${error.message}`) })])
          .catch(() => undefined);
      }
      throw error;
    } finally {
      await cache.del(keys.lease(message.notification_id));
    }
  };
}
