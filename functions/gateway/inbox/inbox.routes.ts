import { Hono } from 'hono';
import { z } from 'zod';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okCursorPage } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { decodeCursor, encodeCursor } from '../../../shared/http/cursor.js';
import { validate } from '../../../shared/http/validate.js';
import { externalId } from '../../../shared/schemas/external-id.js';
import { recipientChoiceError } from '../intake/recipient-choice.js';
import { inboxUserOf, requireInboxUser } from './inbox-auth.js';
import type { InboxDeps } from './inbox-deps.js';
import type { AlongsideRead, InboxMark } from './inbox-store.js';
import { inboxItemJson } from './inbox-wire.js';

export const feedQuery = z.object({
  cursor: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(['unread', 'read', 'archived']).optional(),
});
export const itemParam = z.object({ id: z.uuid() });
/** The user whose inbox the token opens: by `user_id` or by the customer's `external_id` (exactly one). */
export const tokenBody = z.object({ user_id: z.uuid().optional(), external_id: externalId.optional() });
export const seenBody = z.object({ ids: z.array(z.uuid()).min(1).max(1000).optional() }).optional();

const MARKS: InboxMark[] = ['read', 'unread', 'archive'];

/**
 * `/api/v1/inbox`: the end user's feed. Every route but `POST /tokens`
 * acts as the one user of its credential (a login token or an embed token)
 * and reaches only that user's items: another user's item is the same 404 as
 * one that does not exist.
 */
export function createInboxRoutes(deps: InboxDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const asUser = requireInboxUser(deps);

  /** After a mark: every open stream of the user gets the new counts (other tabs, other devices). */
  const announceCounts = async (userId: string) => {
    const count = await deps.store.counts(userId);
    await deps.bus.publish(userId, { kind: 'count', count }).catch((err: unknown) => {
      deps.logger.warn({ err }, 'inbox counts not announced to open streams');
    });
    return count;
  };
  /** The `read` status of notifications their user read, in each one's timeline (in the marking transaction). */
  const recordRead: AlongsideRead = (tx, ids) => {
    const timestamp = new Date().toISOString();
    return deps.recordReadIn(
      tx,
      ids.map((id) => ({ notification_id: id, status: 'read', timestamp, attempt: 1, provider: 'inbox' })),
    );
  };

  routes.post(
    '/tokens',
    requireAuth({ authenticator: deps.authenticator, scope: 'send' }),
    validate('json', tokenBody),
    async (c) => {
      const body = c.req.valid('json');
      const choice = recipientChoiceError(body, ['user_id', 'external_id']);
      if (choice) throw choice;
      const recipient = body.user_id
        ? await deps.users.getRecipient(body.user_id)
        : await deps.users.findByExternalId(body.external_id!);
      if (!recipient) {
        throw new NotFoundError(
          body.user_id ? `User ${body.user_id} not found` : `User with external_id ${body.external_id} not found`,
        );
      }
      const minted = await deps.tokens.mint(recipient.id);
      return ok(
        c,
        { token: minted.token, user_id: recipient.id, expires_in: minted.expiresIn, expires_at: minted.expiresAt.toISOString() },
        'Inbox token minted',
        201,
      );
    },
  );

  routes.get('/', asUser, validate('query', feedQuery), async (c) => {
    const userId = inboxUserOf(c);
    const { cursor, limit, status } = c.req.valid('query');
    const before = cursor === undefined ? undefined : decodeCursor(cursor, z.coerce.number().int().positive());
    const rows = await deps.store.page(userId, { view: status, before, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const hasNext = rows.length > limit;
    return okCursorPage(c, page.map(inboxItemJson), {
      limit,
      next_cursor: hasNext ? encodeCursor(String(page.at(-1)!.seq)) : null,
      has_next: hasNext,
    });
  });

  routes.get('/count', asUser, async (c) => ok(c, await deps.store.counts(inboxUserOf(c))));

  routes.post('/read-all', asUser, async (c) => {
    const userId = inboxUserOf(c);
    const read = await deps.store.readAll(userId, recordRead);
    return ok(c, { marked: read.length, count: await announceCounts(userId) }, `${read.length} read`);
  });

  routes.post('/seen', asUser, validate('json', seenBody), async (c) => {
    const userId = inboxUserOf(c);
    const marked = await deps.store.seen(userId, c.req.valid('json')?.ids);
    return ok(c, { marked, count: await announceCounts(userId) }, `${marked} seen`);
  });

  for (const mark of MARKS) {
    routes.post(`/:id/${mark}`, asUser, validate('param', itemParam), async (c) => {
      const userId = inboxUserOf(c);
      const { id } = c.req.valid('param');
      const row = await deps.store.mark(userId, id, mark, recordRead);
      if (!row) throw new NotFoundError(`Inbox item ${id} not found`);
      await announceCounts(userId);
      return ok(c, inboxItemJson(row));
    });
  }

  return routes;
}
