import type { Rendered, TemplateClient } from '../../../shared/clients/template-client.js';
import type { DeliveryCore, SendInput, SendResult } from '../../../shared/delivery/delivery-core.js';
import { renderPinned } from '../../../shared/delivery/render-pinned.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { InAppMessage } from '../../../shared/messages.js';
import type { Delivery, Outcome } from '../../../shared/queue/queue.js';
import type { InboxBus } from './inbox-bus.js';
import type { InboxStore } from './inbox-store.js';
import { inboxItemJson } from './inbox-wire.js';

export interface DeliverInAppDeps {
  templates: Pick<TemplateClient, 'render'>;
  /** The delivery core of channel `in_app`: claim, send-time policy, status reports, retries. */
  core: DeliveryCore;
  inbox: Pick<InboxStore, 'store' | 'counts'>;
  bus: InboxBus;
  logger: Logger;
  /** Told of every item stored the first time (metrics). */
  onStored?: () => void;
}

/**
 * The in-app worker: `(message, delivery) => Outcome` for routing key
 * `in_app`, on the delivery core. Renders the pinned template version,
 * stores it in the recipient's inbox (the gateway's table: this worker runs
 * in the gateway, which serves the feed and the streams) and announces it on
 * the inbox bus, so every open stream of the user gets it at once. The
 * notification is `delivered` once the item is stored.
 */
export function createDeliverInApp(deps: DeliverInAppDeps): (message: InAppMessage, delivery: Delivery) => Promise<Outcome> {
  async function send(input: SendInput<InAppMessage, Rendered<'in_app'>>): Promise<SendResult> {
    const { message, content: rendered } = input;
    const { content } = rendered;
    const { row, fresh } = await deps.inbox.store({
      id: message.notification_id,
      userId: message.user_id,
      templateCode: rendered.template_code,
      category: rendered.category,
      title: content.title,
      body: content.body,
      actionUrl: content.action_url ?? null,
      avatarUrl: content.avatar_url ?? null,
      data: content.data ?? null,
    });
    if (fresh) deps.onStored?.();
    try {
      await deps.bus.publish(message.user_id, {
        kind: 'item',
        item: inboxItemJson(row),
        count: await deps.inbox.counts(message.user_id),
      });
    } catch (err) {
      // the item is stored: a stream that missed it gets it on reconnect (Last-Event-ID), the feed lists it now
      deps.logger.warn({ err }, 'inbox item stored but not announced to open streams');
    }
    return { kind: 'delivered', fields: { provider: 'inbox', ...(fresh ? {} : { response: 'already in the inbox' }) } };
  }

  return (message, delivery) => deps.core.run(message, delivery, { prepare: renderPinned(deps.templates, 'in_app'), send });
}
