import type { Env } from '../../shared/config.js';
import { bootLambdaFunction } from '../../shared/runtime/lambda-function.js';
import { createLambdaHandler, type LambdaHandler } from '../../shared/runtime/lambda-handler.js';
import { templateFunction } from './function.js';

/** The template function's Lambda entry: boots on the first invocation (config from `env`, default the process environment). */
export function createTemplateLambda(env?: Env): LambdaHandler {
  return createLambdaHandler(() => bootLambdaFunction(templateFunction, env ? { env } : {}));
}

// The one module-level instance: Lambda keeps this module loaded between invocations of an instance,
// so the booted function (pools, caches) lives in this handler's closure from the cold start on.
export const handler = createTemplateLambda();
