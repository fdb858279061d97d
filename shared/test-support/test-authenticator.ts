import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';

/** Credentials a {@link createTestAuthenticator} knows. */
export const TEST_KEYS = {
  admin: 'test-admin-key-0000000000000000',
  send: 'test-send-key-00000000000000000',
} as const;

/**
 * An {@link Authenticator} for the suites of functions that do not own
 * credentials: it knows an admin key, a send key and, optionally, user
 * tokens (`user:<uuid>`). The user function's own suite tests the real one.
 */
export function createTestAuthenticator(): Authenticator {
  return {
    async authenticate(credential): Promise<Principal | null> {
      if (credential === TEST_KEYS.admin) return { kind: 'api_key', keyId: 'test-admin', scopes: ['admin'] };
      if (credential === TEST_KEYS.send) return { kind: 'api_key', keyId: 'test-send', scopes: ['send'] };
      if (credential.startsWith('user:')) return { kind: 'user', userId: credential.slice(5) };
      return null;
    },
  };
}
