import type { Principal } from './principal.js';

/**
 * Port: turns a presented credential (API key or user JWT) into a
 * {@link Principal}, or `null` when it is unknown, revoked or expired.
 * The user function answers from its own tables; other functions ask it
 * over HTTP (`createRemoteAuthenticator`).
 */
export interface Authenticator {
  authenticate(credential: string): Promise<Principal | null>;
}
