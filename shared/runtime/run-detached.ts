import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { outsideLogContext } from '../logging/context.js';

/**
 * Run `fn` outside the caller's request: no log context (correlation id,
 * notification id) and no active trace. For work one request starts that
 * serves others too (the intake coalescer's rounds), so its log lines and
 * spans are not pinned on whichever request happened to start it.
 */
export function runDetached<T>(fn: () => T): T {
  return outsideLogContext(() => context.with(ROOT_CONTEXT, fn));
}
