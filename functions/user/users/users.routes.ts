import { type Context, Hono } from 'hono';
import { hasScope } from '../../../shared/auth/principal.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import { ForbiddenError, NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { offsetOf, paginationQuery } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import type { UserAppDeps } from '../user-deps.js';
import { bulkImportResponse } from './bulk-import-response.js';
import {
  bulkUsersBody,
  createUserBody,
  listUsersQuery,
  replaceUserBody,
  type UpdateUserBody,
  updatePreferencesBody,
  updateUserBody,
} from './user.schemas.js';
import { scopedUserId, userScope } from './user-scope.js';
import { preferencesColumns, preferencesJson, userJson } from './user-wire.js';

/**
 * `/api/v1/users`: sign-up (public), bulk import of recipients (send key),
 * list (admin), read/change/delete one (that user or admin), preferences.
 */
export function createUsersRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const authenticated = requireAuth({ authenticator: deps.authenticator });
  const admin = requireAuth({ authenticator: deps.authenticator, scope: 'admin' });
  const sender = requireAuth({ authenticator: deps.authenticator, scope: 'send' });

  routes.post('/', validate('json', createUserBody), async (c) => {
    const body = c.req.valid('json');
    const user = await deps.store.createUser({
      name: body.name,
      email: body.email,
      passwordHash: await deps.passwords.hash(body.password),
      preferences: preferencesColumns(body.preferences ?? {}),
      ...(body.push_token && { device: { kind: 'fcm', address: body.push_token } }),
    });
    deps.logger.info({ user_id: user.id }, 'user created');
    return ok(c, userJson(user), 'User created', 201);
  });

  routes.post('/bulk', sender, validate('json', bulkUsersBody), async (c) => {
    const answer = await bulkImportResponse(deps.recipients, c.req.valid('json').users);
    deps.logger.info({ created: answer.data.created, updated: answer.data.updated }, 'recipients imported');
    return c.json(answer, 207);
  });

  routes.get('/', admin, validate('query', paginationQuery.extend(listUsersQuery.shape)), async (c) => {
    const query = c.req.valid('query');
    const { rows, total } = await deps.store.listUsers(offsetOf(query), query.limit, { externalId: query.external_id });
    return okPage(c, rows.map(userJson), pageMeta(total, query.page, query.limit));
  });

  const found = <T>(value: T | null, id: string): T => {
    if (!value) throw new NotFoundError(`User ${id} not found`);
    return value;
  };
  const own = [authenticated, userScope()] as const;

  // the database already refuses the old tokens; this voids what other functions cached about them.
  // Should the cache be down, they expire there on their own (the cache TTL), so the change still stands.
  const revokeTokens = async (userId: string) => {
    try {
      await deps.tokenRevocations.revoke(userId);
    } catch (err) {
      deps.logger.error({ err, user_id: userId }, 'could not mark the user tokens revoked in the shared cache');
    }
  };

  routes.get('/:user_id', ...own, async (c) => {
    const id = scopedUserId(c);
    return ok(c, userJson(found(await deps.store.findUser(id), id)));
  });

  const update = async (c: Context<AppEnv>, body: UpdateUserBody) => {
    const id = scopedUserId(c);
    // the customer's own id is the customer's to give: a user cannot claim (or drop) one for itself
    if (body.external_id !== undefined && !hasScope(c.var.principal, 'admin')) {
      throw new ForbiddenError('Only an admin key may set external_id');
    }
    const user = await deps.store.updateUser(
      id,
      {
        ...(body.external_id !== undefined && { externalId: body.external_id }),
        ...(body.name !== undefined && { name: body.name }),
        ...(body.email !== undefined && { email: body.email }),
        ...(body.password !== undefined && { passwordHash: await deps.passwords.hash(body.password) }),
      },
      {
        ...(body.preferences && { preferences: preferencesColumns(body.preferences) }),
        ...(body.push_token && { device: { kind: 'fcm', address: body.push_token }, deviceLimit: deps.maxDevicesPerUser }),
      },
    );
    if (user && body.password !== undefined) await revokeTokens(id);
    return ok(c, userJson(found(user, id)), 'User updated');
  };

  routes.put('/:user_id', ...own, validate('json', replaceUserBody), (c) => update(c, c.req.valid('json')));
  routes.patch('/:user_id', ...own, validate('json', updateUserBody), (c) => update(c, c.req.valid('json')));

  routes.delete('/:user_id', ...own, async (c) => {
    const id = scopedUserId(c);
    if (!(await deps.store.deleteUser(id))) throw new NotFoundError(`User ${id} not found`);
    await revokeTokens(id);
    deps.logger.info({ user_id: id }, 'user deleted');
    return ok(c, { id, deleted: true }, 'User deleted');
  });

  routes.get('/:user_id/preferences', ...own, async (c) => {
    const id = scopedUserId(c);
    return ok(c, preferencesJson(found(await deps.store.findUser(id), id).preferences));
  });

  routes.put('/:user_id/preferences', ...own, validate('json', updatePreferencesBody), async (c) => {
    const id = scopedUserId(c);
    const row = await deps.store.updatePreferences(id, preferencesColumns(c.req.valid('json')));
    return ok(c, preferencesJson(found(row, id)), 'Preferences updated');
  });

  return routes;
}
