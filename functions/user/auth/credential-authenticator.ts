import { timingSafeEqual } from 'node:crypto';
import type { Authenticator } from '../../../shared/auth/authenticator.js';
import type { UserStore } from '../users/user-store.js';
import { hashApiKey } from './api-key-secret.js';
import { verifyUserToken } from './user-token.js';

export interface CredentialAuthenticatorDeps {
  store: UserStore;
  jwtSecret: string;
  /** ADMIN_API_KEY: accepted with scope `admin` without a row in `api_keys`. */
  bootstrapAdminKey?: string | undefined;
}

const looksLikeJwt = (credential: string) => credential.split('.').length === 3;

/**
 * The real {@link Authenticator}, owned by the user function: user JWTs by
 * signature, expiry and the user's current token version (a password change
 * or a deletion revokes every token at once), API keys by the hash in `api_keys` (revoked keys
 * fail at once), and the bootstrap admin key from config.
 */
export function createCredentialAuthenticator(deps: CredentialAuthenticatorDeps): Authenticator {
  const bootstrapHash = deps.bootstrapAdminKey ? Buffer.from(hashApiKey(deps.bootstrapAdminKey)) : undefined;
  return {
    async authenticate(credential) {
      if (looksLikeJwt(credential)) {
        const claims = await verifyUserToken(credential, deps.jwtSecret);
        if (!claims) return null;
        // a password change bumps the version and a deletion removes the row: either revokes the token
        const current = await deps.store.findTokenVersion(claims.userId);
        return current === claims.tokenVersion ? { kind: 'user', userId: claims.userId } : null;
      }
      const hash = hashApiKey(credential);
      if (bootstrapHash && timingSafeEqual(Buffer.from(hash), bootstrapHash)) {
        return { kind: 'api_key', keyId: 'bootstrap', scopes: ['admin'] };
      }
      const key = await deps.store.findActiveApiKeyByHash(hash);
      return key ? { kind: 'api_key', keyId: key.id, scopes: key.scopes } : null;
    },
  };
}
