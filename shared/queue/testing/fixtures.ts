import { randomUUID } from 'node:crypto';
import type { MessageInput } from '../../messages.js';

/** A valid email message; tests override what they look at. */
export function emailMessage(overrides: Partial<MessageInput<'email'>> = {}): MessageInput<'email'> {
  return {
    notification_id: randomUUID(),
    request_id: `req-${randomUUID()}`,
    correlation_id: `corr-${randomUUID()}`,
    attempt: 1,
    priority: 5,
    user_id: randomUUID(),
    template_code: 'welcome',
    template_version: 1,
    language: 'en',
    variables: { name: 'Ada', link: 'https://example.com/welcome' },
    metadata: {},
    to: 'ada@example.com',
    ...overrides,
  };
}

export function pushMessage(overrides: Partial<MessageInput<'push'>> = {}): MessageInput<'push'> {
  const { to: _to, ...rest } = emailMessage();
  return { ...rest, template_code: 'new_follower', ...overrides };
}
