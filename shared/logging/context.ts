import { AsyncLocalStorage } from 'node:async_hooks';

/** Facts that every log line written while handling one request or message carries. */
export interface LogContext {
  correlation_id?: string;
  notification_id?: string;
  /** A request sent to a topic (`POST /api/v1/notifications` with `topic_key`). */
  fanout_id?: string;
  /** A workflow run (its trigger, its steps). */
  workflow_run_id?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Run `fn` with `context` attached to every log line written inside it. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

/**
 * Add facts learned halfway through a request (the id of the notification it
 * accepted) to the lines still to be written for it, the request's own log
 * line included. Does nothing outside a log context.
 */
export function annotateLogContext(facts: LogContext): void {
  const store = storage.getStore();
  // every withLogContext run has its own object, so this reaches only the current request or message
  if (store) Object.assign(store, facts);
}

/** Run `fn` with no log context, whatever the caller's. */
export function outsideLogContext<T>(fn: () => T): T {
  return storage.exit(fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
