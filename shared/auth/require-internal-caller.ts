import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../errors.js';
import type { AppEnv } from '../http/app-env.js';
import type { FunctionName } from '../runtime/function-names.js';
import { INTERNAL_CREDENTIAL_HEADER, verifyInternalCredential } from './internal-credential.js';

export interface RequireInternalCallerOptions {
  /** INTERNAL_SECRET. */
  secret: string;
  /** The function whose internal routes these are. */
  audience: FunctionName;
}

/**
 * Mounted on every `/internal/v1` router: a request without a valid, unexpired
 * service credential for this function is answered 401 before any route runs,
 * so nothing is read or changed. The same check under `npm start`
 * (in-process fetch), in containers and in Lambda.
 */
export function requireInternalCaller(options: RequireInternalCallerOptions): MiddlewareHandler<AppEnv> {
  return async function requireInternalCallerMiddleware(c, next) {
    const caller = verifyInternalCredential(c.req.header(INTERNAL_CREDENTIAL_HEADER), options);
    if (!caller) throw new UnauthorizedError('Internal routes need a valid service credential');
    await next();
  };
}
