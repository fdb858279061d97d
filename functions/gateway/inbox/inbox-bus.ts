import type { InboxCounts } from './inbox-store.js';
import type { InboxItemJson } from './inbox-wire.js';

/** What an open stream of a user hears: a new item (with the counts after it), or new counts after a mark. */
export type InboxEvent = { kind: 'item'; item: InboxItemJson; count: InboxCounts } | { kind: 'count'; count: InboxCounts };

export type InboxListener = (event: InboxEvent) => void;

/**
 * Port: carries inbox events to every open stream of a user, on whichever
 * gateway replica it is open. Publishing is fire-and-forget for the stream:
 * what a stream misses (a replica without the subscription yet, a dropped
 * connection) it replays from the table through `Last-Event-ID`.
 */
export interface InboxBus {
  publish(userId: string, event: InboxEvent): Promise<void>;
  /** Listen to one user's events; resolves once listening (events published after it arrive), to the stop function. */
  subscribe(userId: string, listener: InboxListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Listeners per user, the part both adapters share: `first` and `last` say when a user's channel opens and closes. */
export function createListenerSet() {
  const byUser = new Map<string, Set<InboxListener>>();
  return {
    /** Add a listener; true when it is the user's first. */
    add(userId: string, listener: InboxListener): boolean {
      const set = byUser.get(userId);
      if (set) {
        set.add(listener);
        return false;
      }
      byUser.set(userId, new Set([listener]));
      return true;
    },
    /** Remove a listener; true when it was the user's last. */
    remove(userId: string, listener: InboxListener): boolean {
      const set = byUser.get(userId);
      if (!set?.delete(listener)) return false;
      if (set.size > 0) return false;
      byUser.delete(userId);
      return true;
    },
    emit(userId: string, event: InboxEvent): void {
      for (const listener of byUser.get(userId) ?? []) listener(event);
    },
    /** Open streams in all. */
    size(): number {
      let n = 0;
      for (const set of byUser.values()) n += set.size;
      return n;
    },
  };
}

/** {@link InboxBus} inside one process (`npm start`, one replica, tests). */
export function createMemoryInboxBus(): InboxBus {
  const listeners = createListenerSet();
  return {
    async publish(userId, event) {
      listeners.emit(userId, event);
    },
    async subscribe(userId, listener) {
      listeners.add(userId, listener);
      return async () => {
        listeners.remove(userId, listener);
      };
    },
    async close() {},
  };
}
