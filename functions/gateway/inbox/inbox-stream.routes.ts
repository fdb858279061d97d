import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { inboxUserOf, requireInboxUser } from './inbox-auth.js';
import type { InboxEvent } from './inbox-bus.js';
import type { InboxDeps } from './inbox-deps.js';
import type { InboxCounts } from './inbox-store.js';
import { type InboxItemJson, inboxItemJson } from './inbox-wire.js';

/** Most items one replay page reads; a replay reads pages until it has caught up. */
const REPLAY_PAGE = 200;
/** How many sent ids a stream remembers to skip repeats: far more than one replay page brings again live. */
const SENT_MEMORY = 1_000;
/** How long a client waits before reconnecting after a dropped stream (the `retry` field). */
const RECONNECT_MS = 1_000;

/** `Last-Event-ID` (or `?last_event_id=`, for clients that cannot set headers): the last item the client has. */
function lastEventIdOf(header: string | undefined, query: string | undefined): number | undefined {
  const raw = header ?? query;
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/**
 * `GET /api/v1/inbox/stream`: Server-Sent Events for one user. On open it
 * subscribes to the user's events on the inbox bus, then replays the items
 * stored after `Last-Event-ID` (what the client missed while away), then
 * sends the counts, then follows live: `event: notification` (id = the item's
 * sequence) and `event: count`. A comment line every `heartbeatMs` keeps
 * proxies from closing an idle stream and finds a client that is gone.
 */
export function createInboxStreamRoutes(deps: InboxDeps & { streams?: { opened(): void; closed(): void } }): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });

  routes.get('/', requireInboxUser(deps), (c) => {
    const userId = inboxUserOf(c);
    const lastEventId = lastEventIdOf(c.req.header('last-event-id'), c.req.query('last_event_id'));
    const signal = c.req.raw.signal;
    c.header('X-Accel-Buffering', 'no');

    return streamSSE(c, async (stream) => {
      const queued: InboxEvent[] = [];
      let wake: (() => void) | undefined;
      const gone = () => stream.aborted || stream.closed || signal.aborted;
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort);
      stream.onAbort(onAbort);
      const unsubscribe = await deps.bus.subscribe(userId, (event) => {
        queued.push(event);
        wake?.();
      });
      deps.streams?.opened();
      // ids already written (a replayed item may come again live); the oldest forgotten past SENT_MEMORY
      const sent = new Set<string>();
      const sendItem = async (item: InboxItemJson) => {
        if (sent.has(item.id)) return;
        sent.add(item.id);
        if (sent.size > SENT_MEMORY) sent.delete(sent.values().next().value!);
        await stream.writeSSE({ event: 'notification', id: String(item.sequence), data: JSON.stringify(item) });
      };
      const sendCount = (count: InboxCounts) => stream.writeSSE({ event: 'count', data: JSON.stringify(count) });

      try {
        await stream.write(`retry: ${RECONNECT_MS}\n\n`);
        if (lastEventId !== undefined) await replay(userId, lastEventId, sendItem);
        await sendCount(await deps.store.counts(userId));
        while (!gone()) {
          const event = queued.shift();
          if (event) {
            if (event.kind === 'item') await sendItem(event.item);
            await sendCount(event.count);
            continue;
          }
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), deps.heartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          if (timedOut && !gone()) await stream.write(': heartbeat\n\n');
        }
      } catch (err) {
        // a write to a client that went away: the usual end of a stream
        if (!gone()) deps.logger.debug({ err }, 'inbox stream ended');
      } finally {
        signal.removeEventListener('abort', onAbort);
        deps.streams?.closed();
        await unsubscribe().catch(() => undefined);
      }
    });
  });

  async function replay(userId: string, after: number, sendItem: (item: InboxItemJson) => Promise<void>): Promise<void> {
    let from = after;
    for (;;) {
      const rows = await deps.store.since(userId, from, REPLAY_PAGE);
      for (const row of rows) await sendItem(inboxItemJson(row));
      if (rows.length < REPLAY_PAGE) return;
      from = rows.at(-1)!.seq;
    }
  }

  return routes;
}
