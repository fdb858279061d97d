import type { Principal } from '../auth/principal.js';

/** The Hono environment shared by every function's app. */
export interface AppEnv {
  Variables: {
    correlationId: string;
    principal: Principal;
  };
}
