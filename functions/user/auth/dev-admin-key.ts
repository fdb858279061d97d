import type { UserStore } from '../users/user-store.js';
import { generateApiKey } from './api-key-secret.js';

/**
 * Development only: when no ADMIN_API_KEY is configured and no admin key
 * exists yet, make one and return it so the runner can print it once.
 * Only its hash is stored; later starts return null.
 */
export async function ensureDevAdminKey(store: UserStore): Promise<string | null> {
  if (await store.hasActiveAdminKey()) return null;
  const secret = generateApiKey();
  await store.createApiKey({
    name: 'dev admin (generated at first start)',
    scopes: ['admin'],
    keyHash: secret.hash,
    prefix: secret.prefix,
  });
  return secret.key;
}
