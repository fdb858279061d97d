import type { Env } from '../../shared/config.js';
import { bootLambdaFunction } from '../../shared/runtime/lambda-function.js';
import { createLambdaHandler, type LambdaHandler } from '../../shared/runtime/lambda-handler.js';
import { pushFunction } from './function.js';

/**
 * The push function's Lambda entry: HTTP (the VAPID public key, health) and
 * `push` SQS batches; boots on the first invocation (config from `env`,
 * default the process environment). Its `start()` only consumes `push`, so
 * the captured consumer is the whole queue side.
 */
export function createPushLambda(env?: Env): LambdaHandler {
  return createLambdaHandler(() => bootLambdaFunction(pushFunction, env ? { env } : {}));
}

// The one module-level instance: Lambda keeps this module loaded between invocations of an instance,
// so the booted function (keep-alive agents, breakers, VAPID JWTs) lives in this handler's closure from the cold start on.
export const handler = createPushLambda();
