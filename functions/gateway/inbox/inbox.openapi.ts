import { z } from 'zod';
import { defineOperations, type OperationSpec } from '../../../shared/openapi/operation.js';
import { feedQuery, itemParam, seenBody, tokenBody } from './inbox.routes.js';
import { inboxCountsSchema, inboxItemSchema, inboxTokenSchema } from './inbox-wire.js';

const ITEM_ID = '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d';
const marked = z.object({ marked: z.int(), count: inboxCountsSchema });

const mark = (name: 'read' | 'unread' | 'archive', summary: string): OperationSpec => ({
  method: 'post',
  path: `/api/v1/inbox/:id/${name}`,
  operationId: `${name}InboxItem`,
  summary,
  tags: ['inbox'],
  auth: 'inbox',
  request: { params: itemParam },
  responses: { 200: { description: 'The item as it is now', data: inboxItemSchema } },
  examples: { params: { id: ITEM_ID } },
});

/** The end user's inbox: feed, counts, marks, embed tokens and the live stream. */
export const INBOX_OPERATIONS = defineOperations([
  {
    method: 'post',
    path: '/api/v1/inbox/tokens',
    operationId: 'mintInboxToken',
    summary: "Mint an embed token for one user's inbox",
    description:
      "For the customer's backend: a short-lived token (`INBOX_TOKEN_TTL_SECONDS`, default an hour) that the `<notify-inbox>` component, in that user's browser, uses to read and mark that user's inbox, and nothing else.",
    tags: ['inbox'],
    auth: 'send',
    request: { body: tokenBody },
    responses: { 201: { description: 'The token', data: inboxTokenSchema } },
    errors: [404, 422],
    examples: { body: { user_id: '3f0b1c9e-8a4d-4e2b-9c1a-2b7d6e5f4a30' } },
  },
  {
    method: 'get',
    path: '/api/v1/inbox',
    operationId: 'listInbox',
    summary: 'The feed, newest first',
    description: '`status`: `unread` or `read` (not archived), `archived`; absent: everything not archived.',
    tags: ['inbox'],
    auth: 'inbox',
    request: { query: feedQuery },
    responses: { 200: { description: 'A page of the feed', data: z.array(inboxItemSchema), cursor: true } },
    examples: { query: { status: 'unread', limit: '20' } },
  },
  {
    method: 'get',
    path: '/api/v1/inbox/count',
    operationId: 'countInbox',
    summary: 'Unread, unseen and total items (not archived)',
    tags: ['inbox'],
    auth: 'inbox',
    responses: { 200: { description: 'The counts', data: inboxCountsSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/inbox/stream',
    operationId: 'streamInbox',
    summary: 'Live feed (Server-Sent Events)',
    description:
      '`event: notification` (data: an inbox item, `id`: its `sequence`) and `event: count` (data: the counts); a comment line as heartbeat. Send `Last-Event-ID` (or `?last_event_id=`) on reconnect to get the items stored meanwhile first.',
    tags: ['inbox'],
    auth: 'inbox',
    responses: { 200: { description: 'A `text/event-stream` that stays open' } },
  },
  {
    method: 'post',
    path: '/api/v1/inbox/read-all',
    operationId: 'readAllInbox',
    summary: 'Mark every unread item read',
    tags: ['inbox'],
    auth: 'inbox',
    responses: { 200: { description: 'How many were marked, and the counts after', data: marked } },
  },
  {
    method: 'post',
    path: '/api/v1/inbox/seen',
    operationId: 'seenInbox',
    summary: 'Mark items seen (the panel was opened): all, or `ids`',
    tags: ['inbox'],
    auth: 'inbox',
    request: { body: seenBody },
    responses: { 200: { description: 'How many were marked, and the counts after', data: marked } },
    examples: { body: { ids: [ITEM_ID] } },
  },
  mark('read', 'Mark an item read (its notification becomes `read`)'),
  mark('unread', 'Mark an item unread'),
  mark('archive', 'Archive an item'),
]);
