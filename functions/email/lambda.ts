import type { Env } from '../../shared/config.js';
import { bootLambdaFunction } from '../../shared/runtime/lambda-function.js';
import { createLambdaHandler, type LambdaHandler } from '../../shared/runtime/lambda-handler.js';
import { emailFunction } from './function.js';

/** The email function's Lambda entry: boots on the first invocation (config from `env`, default the process environment). */
export function createEmailLambda(env?: Env): LambdaHandler {
  return createLambdaHandler(() => bootLambdaFunction(emailFunction, env ? { env } : {}));
}

// The one module-level instance: Lambda keeps this module loaded between invocations of an instance,
// so the booted function (pools, caches) lives in this handler's closure from the cold start on.
export const handler = createEmailLambda();
