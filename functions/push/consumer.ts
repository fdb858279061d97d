import type { Rendered, TemplateClient } from '../../shared/clients/template-client.js';
import type { UserClient } from '../../shared/clients/user-client.js';
import type { DeliveryCore, SendInput, SendResult } from '../../shared/delivery/delivery-core.js';
import { renderPinned } from '../../shared/delivery/render-pinned.js';
import type { Logger } from '../../shared/logging/logger.js';
import type { PushMessage, StatusMessage } from '../../shared/messages.js';
import type { Delivery, Outcome } from '../../shared/queue/queue.js';
import { gaveUp } from '../../shared/queue/settle.js';
import { notificationOf, type PushDefaults, sendOptionsOf } from './senders/push-delivery-options.js';
import type { PushDevice, PushProvider, PushResult, PushSender } from './senders/push-sender.js';

export interface SendPushDeps {
  users: Pick<UserClient, 'listDevices' | 'pruneDevice'>;
  templates: Pick<TemplateClient, 'render'>;
  sender: PushSender;
  /** The delivery core of channel `push`: claim, send-time policy, status reports, retries. */
  core: DeliveryCore;
  logger: Logger;
  defaults: PushDefaults;
}

/** A device's settled fate, kept as a part of the notification's record so a redelivery does not send to it again. */
interface DeviceRecord {
  status: 'delivered' | 'failed';
  reason?: string;
}

type DeviceOutcome =
  | { device: PushDevice; status: 'delivered'; fresh: boolean; result?: PushResult }
  | { device: PushDevice; status: 'failed'; reason: string; fresh: boolean }
  | { device: PushDevice; status: 'retry'; reason: string; retryAfterMs?: number; provider: PushProvider };

const devicePart = (deviceId: string) => `device:${deviceId}`;
const OVERALL_PART = 'overall-delivered';

/**
 * The push consumer: `(message, delivery) => Outcome` for routing key `push`,
 * on the delivery core (`shared/delivery/`). Looks up the user's devices,
 * sends the rendered pinned template version to every device at once, and
 * reports a status per device (with `device_id`) and one overall status:
 * `delivered` as soon as one device got it, `failed` with every device's
 * reason when none did.
 *
 * Each delivered (or permanently failed) device is a part of the
 * notification's ledger record, so a redelivered message, or a retry after
 * some devices succeeded, sends only to the devices still owed.
 *
 * Transient failures (429, 5xx, timeouts, open circuits) retry the message
 * through the queue, honouring the longest `Retry-After`; 404/410 prune the
 * device through the user function; 400/401/403/413 and oversize payloads
 * fail that device for good.
 */
export function createSendPush(deps: SendPushDeps): (message: PushMessage, delivery: Delivery) => Promise<Outcome> {
  const { logger } = deps;

  const settleDevice = async (
    input: SendInput<PushMessage, Rendered<'push'>>,
    device: PushDevice,
    result: PushResult,
  ): Promise<DeviceOutcome> => {
    const { message } = input;
    const mark = (record: DeviceRecord) => input.parts.complete(devicePart(device.id), record);
    switch (result.kind) {
      case 'delivered':
        await mark({ status: 'delivered' });
        return { device, status: 'delivered', fresh: true, result };
      case 'gone': {
        let reason = `${result.reason}; device pruned`;
        try {
          await deps.users.pruneDevice(message.user_id, device.id);
          logger.info(
            { user_id: message.user_id, device_id: device.id, status_code: result.statusCode },
            'dead push device pruned',
          );
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

  const deviceStatus = (input: SendInput<PushMessage, Rendered<'push'>>, outcome: DeviceOutcome): StatusMessage => {
    const provider = outcome.device.type;
    if (outcome.status === 'delivered') {
      const result = outcome.result;
      return input.status({
        status: 'delivered',
        device_id: outcome.device.id,
        provider,
        ...(result?.kind === 'delivered' && result.providerMessageId && { provider_message_id: result.providerMessageId }),
        ...(result?.kind === 'delivered' && { response: String(result.statusCode) }),
      });
    }
    return input.status({
      status: outcome.status === 'retry' ? 'pending' : 'failed',
      device_id: outcome.device.id,
      provider,
      error: outcome.reason,
    });
  };

  async function send(input: SendInput<PushMessage, Rendered<'push'>>): Promise<SendResult> {
    const { message, delivery } = input;
    const devices = await deps.users.listDevices(message.user_id);
    if (devices === null) return { kind: 'failed', reason: `user ${message.user_id} not found`, settle: 'done' };
    if (devices.length === 0)
      return { kind: 'failed', reason: 'no devices: the user has no push subscription or token', settle: 'done' };

    const notification = notificationOf(message, input.content.content);
    const sendOptions = sendOptionsOf(message, deps.defaults);
    const earlier = await input.parts.completed<DeviceRecord>();
    const outcomes = await Promise.all(
      devices.map(async (device): Promise<DeviceOutcome> => {
        const record = earlier.get(devicePart(device.id));
        if (record) {
          return record.status === 'delivered'
            ? { device, status: 'delivered', fresh: false }
            : { device, status: 'failed', reason: record.reason ?? 'failed earlier', fresh: false };
        }
        return settleDevice(input, device, await deps.sender.send(device, notification, sendOptions));
      }),
    );

    // on the last attempt, what is still transient is final for that device
    const final = outcomes.map(
      (o): DeviceOutcome =>
        o.status === 'retry' && input.lastAttempt
          ? { device: o.device, status: 'failed', reason: gaveUp(delivery.attempt, o.reason), fresh: true }
          : o,
    );
    const statuses = final.filter((o) => o.status === 'retry' || o.fresh).map((o) => deviceStatus(input, o));
    const delivered = final.filter((o) => o.status === 'delivered');
    const pending = final.filter((o): o is Extract<DeviceOutcome, { status: 'retry' }> => o.status === 'retry');
    const overall = delivered.length > 0 && {
      provider: delivered[0]!.device.type,
      response: `${delivered.length}/${devices.length} devices`,
    };

    if (pending.length > 0) {
      // overall `delivered` goes out once, as soon as the first device has it, even while others are retried
      if (overall && (await input.parts.completeOnce(OVERALL_PART, true)))
        statuses.push(input.status({ status: 'delivered', ...overall }));
      const hints = pending.map((p) => p.retryAfterMs).filter((ms): ms is number => ms !== undefined);
      return {
        kind: 'retry',
        reason: pending.map((p) => `${p.device.id}: ${p.reason}`).join('; '),
        ...(hints.length > 0 && { delayMs: Math.max(...hints) }),
        statuses,
      };
    }
    if (overall) {
      const announcedEarlier = !(await input.parts.completeOnce(OVERALL_PART, true));
      return { kind: 'delivered', fields: overall, statuses, alreadyReported: announcedEarlier };
    }

    // none delivered: every device's reason, pruned ones (no longer listed) included
    const reasons = new Map<string, string>();
    for (const o of final) if (o.status === 'failed') reasons.set(o.device.id, o.reason);
    for (const [part, record] of earlier) {
      const id = part.slice(devicePart('').length);
      if (part.startsWith(devicePart('')) && record.status === 'failed' && !reasons.has(id))
        reasons.set(id, record.reason ?? 'failed earlier');
    }
    const reason = [...reasons].map(([id, why]) => `${id}: ${why}`).join('; ');
    logger.warn({ reason }, 'push notification failed on every device');
    // a device given up on is left to the dead-letter queue, without a record, so a redrive reaches the devices owed
    const gaveUpOnSome = outcomes.some((o) => o.status === 'retry');
    return { kind: 'failed', reason, statuses, settle: gaveUpOnSome ? 'dead_letter' : 'done' };
  }

  return (message, delivery) => deps.core.run(message, delivery, { prepare: renderPinned(deps.templates, 'push'), send });
}
