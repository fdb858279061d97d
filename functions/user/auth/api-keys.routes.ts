import { Hono } from 'hono';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { offsetOf, paginationQuery } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import type { UserAppDeps } from '../user-deps.js';
import { apiKeyIdParam, createApiKeyBody } from '../users/user.schemas.js';
import { apiKeyJson } from '../users/user-wire.js';
import { generateApiKey } from './api-key-secret.js';

/** `/api/v1/api-keys` (scope admin): create (the key is returned this once), list, revoke. */
export function createApiKeysRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.use('*', requireAuth({ authenticator: deps.authenticator, scope: 'admin' }));

  routes.post('/', validate('json', createApiKeyBody), async (c) => {
    const body = c.req.valid('json');
    const secret = generateApiKey();
    const row = await deps.store.createApiKey({
      name: body.name,
      scopes: [...new Set(body.scopes)],
      keyHash: secret.hash,
      prefix: secret.prefix,
    });
    deps.logger.info({ api_key_id: row.id, scopes: row.scopes }, 'api key created');
    return ok(c, { ...apiKeyJson(row), key: secret.key }, 'API key created; store it now, it is not shown again', 201);
  });

  routes.get('/', validate('query', paginationQuery), async (c) => {
    const page = c.req.valid('query');
    const { rows, total } = await deps.store.listApiKeys(offsetOf(page), page.limit);
    return okPage(c, rows.map(apiKeyJson), pageMeta(total, page.page, page.limit));
  });

  routes.delete('/:key_id', validate('param', apiKeyIdParam), async (c) => {
    const { key_id } = c.req.valid('param');
    const row = await deps.store.revokeApiKey(key_id);
    if (!row) throw new NotFoundError(`API key ${key_id} not found`);
    deps.logger.info({ api_key_id: key_id }, 'api key revoked');
    return ok(c, apiKeyJson(row), 'API key revoked');
  });

  return routes;
}
