import { createUnsubscribeUrl } from '../../shared/unsubscribe-link.js';

export interface EmailHeaderOptions {
  /** `EMAIL_FROM`; the domain of its address names our Message-IDs. */
  from: string;
  unsubscribe: {
    /** Public base URL the unsubscribe link starts with. */
    baseUrl: string;
    /** Shared token secret the user function verifies with. */
    secret: string;
    ttlMs: number;
    /** Optional second, mail-based unsubscribe address. */
    mailto?: string | undefined;
    /** Categories that carry no unsubscribe header (password reset, security notices). */
    transactionalCategories: string[];
  };
  now?: () => number;
}

export interface EmailIdentity {
  messageId: string;
  headers: Record<string, string>;
}

/** The domain of the address in `Name <user@domain>` or `user@domain`; `localhost` when it has none. */
export function senderDomain(from: string): string {
  const address = from.match(/<([^>]+)>/)?.[1] ?? from;
  const domain = address.split('@')[1]?.trim().toLowerCase();
  return domain && /^[a-z0-9.-]+$/.test(domain) ? domain : 'localhost';
}

/**
 * The headers every message of one notification carries:
 * - `Message-ID: <notification_id@sender-domain>`: the same for every retry and
 *   every provider, so a receiver (or our bench sink) can tell a duplicate;
 * - `X-Notification-Id`, found again in provider events;
 * - unless the category is transactional, `List-Unsubscribe` (signed, expiring
 *   https URL, plus mailto when configured) and `List-Unsubscribe-Post:
 *   List-Unsubscribe=One-Click` (RFC 8058), which bulk-sender rules of the
 *   big mailbox providers require.
 */
export function createEmailHeaders(options: EmailHeaderOptions) {
  const domain = senderDomain(options.from);
  const transactional = new Set(options.unsubscribe.transactionalCategories);
  const now = options.now ?? Date.now;

  return function emailHeaders(notificationId: string, userId: string, category: string): EmailIdentity {
    const headers: Record<string, string> = { 'X-Notification-Id': notificationId };
    if (!transactional.has(category)) {
      const url = createUnsubscribeUrl({
        baseUrl: options.unsubscribe.baseUrl,
        secret: options.unsubscribe.secret,
        userId,
        category,
        ttlMs: options.unsubscribe.ttlMs,
        nowMs: now(),
      });
      const targets = [`<${url}>`];
      if (options.unsubscribe.mailto) {
        const subject = encodeURIComponent(`unsubscribe ${userId} ${category}`);
        targets.push(`<mailto:${options.unsubscribe.mailto}?subject=${subject}>`);
      }
      headers['List-Unsubscribe'] = targets.join(', ');
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    return { messageId: `<${notificationId}@${domain}>`, headers };
  };
}

export type EmailHeaders = ReturnType<typeof createEmailHeaders>;
