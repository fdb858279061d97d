import { AsyncLocalStorage } from 'node:async_hooks';

/** Facts that every log line written while handling one request or message carries. */
export interface LogContext {
  correlation_id?: string;
  notification_id?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Run `fn` with `context` attached to every log line written inside it. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
