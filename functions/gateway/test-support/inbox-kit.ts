import { randomUUID } from 'node:crypto';
import type { PlatformKit } from './platform-kit.js';

/** The in-app template the inbox suites send: `Hi {{name}}` with a link. */
export const INBOX_TEMPLATE = 'kit_inbox';

/** Create the in-app template (once per kit). */
export async function seedInboxTemplate(kit: Pick<PlatformKit, 'request'>): Promise<void> {
  const res = await kit.request('POST', '/api/v1/templates', {
    body: {
      template_code: INBOX_TEMPLATE,
      channel: 'in_app',
      category: 'activity',
      default_language: 'en',
      content: {
        title: 'Hi {{name}}',
        body: 'Your order {{order}} shipped',
        action_url: 'https://example.com/orders/{{order}}',
        data: { order: '{{order}}' },
      },
      variables: [
        { name: 'name', required: true },
        { name: 'order', required: false },
      ],
    },
  });
  if (res.status !== 201) throw new Error(`in-app template seed failed: ${JSON.stringify(res.body)}`);
}

/** Send one in-app notification through the public intake; resolves to its id. */
export async function sendInApp(kit: Pick<PlatformKit, 'request' | 'sendKey'>, userId: string, order = 'A-1'): Promise<string> {
  const res = await kit.request('POST', '/api/v1/notifications', {
    auth: kit.sendKey,
    body: {
      notification_type: 'in_app',
      user_id: userId,
      template_code: INBOX_TEMPLATE,
      variables: { name: 'Ada', order },
      request_id: randomUUID(),
    },
  });
  if (res.status !== 202) throw new Error(`intake refused: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.notification_id;
}
