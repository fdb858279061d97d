import { z } from 'zod';
import type { InboxRow } from './inbox-store.js';

const timestamp = z.iso.datetime({ offset: true });

/** One inbox item on the wire (the feed, the stream's `notification` event). */
export const inboxItemSchema = z.object({
  /** The notification's id. */
  id: z.uuid(),
  /** Position in the user's inbox; the stream's event id (`Last-Event-ID`). */
  sequence: z.int(),
  template_code: z.string(),
  category: z.string(),
  title: z.string(),
  body: z.string(),
  action_url: z.string().nullable(),
  avatar_url: z.string().nullable(),
  data: z.record(z.string(), z.string()).nullable(),
  created_at: timestamp,
  read_at: timestamp.nullable(),
  seen_at: timestamp.nullable(),
  archived_at: timestamp.nullable(),
});
export type InboxItemJson = z.infer<typeof inboxItemSchema>;

/** `GET /api/v1/inbox/count` and the stream's `count` event: over the items not archived. */
export const inboxCountsSchema = z.object({ unread: z.int(), unseen: z.int(), total: z.int() });

/** `POST /api/v1/inbox/tokens` answer. */
export const inboxTokenSchema = z.object({
  token: z.string(),
  user_id: z.uuid(),
  expires_in: z.int(),
  expires_at: timestamp,
});

export function inboxItemJson(row: InboxRow): InboxItemJson {
  return {
    id: row.id,
    sequence: row.seq,
    template_code: row.templateCode,
    category: row.category,
    title: row.title,
    body: row.body,
    action_url: row.actionUrl,
    avatar_url: row.avatarUrl,
    data: row.data,
    created_at: row.createdAt.toISOString(),
    read_at: row.readAt?.toISOString() ?? null,
    seen_at: row.seenAt?.toISOString() ?? null,
    archived_at: row.archivedAt?.toISOString() ?? null,
  };
}
