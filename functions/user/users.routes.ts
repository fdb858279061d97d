import { Hono } from 'hono';
import { requireAuth } from '../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../shared/envelope.js';
import { NotFoundError } from '../../shared/errors.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { offsetOf, paginationQuery } from '../../shared/http/pagination.js';
import { validate } from '../../shared/http/validate.js';
import { hashPassword } from './password.js';
import type { UserAppDeps } from './user-deps.js';
import { scopedUserId, userScope } from './user-scope.js';
import { createUserBody, updatePreferencesBody, updateUserBody } from './user.schemas.js';
import { preferencesColumns, preferencesJson, userJson } from './user-wire.js';

/** `/api/v1/users`: sign-up (public), list (admin), read/change/delete one (that user or admin), preferences. */
export function createUsersRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const authenticated = requireAuth({ authenticator: deps.authenticator });
  const admin = requireAuth({ authenticator: deps.authenticator, scope: 'admin' });

  routes.post('/', validate('json', createUserBody), async (c) => {
    const body = c.req.valid('json');
    const user = await deps.store.createUser({
      name: body.name,
      email: body.email,
      passwordHash: await hashPassword(body.password),
      preferences: preferencesColumns(body.preferences ?? {}),
      ...(body.push_token && { device: { kind: 'fcm', address: body.push_token } }),
    });
    deps.logger.info({ user_id: user.id }, 'user created');
    return ok(c, userJson(user), 'User created', 201);
  });

  routes.get('/', admin, validate('query', paginationQuery), async (c) => {
    const page = c.req.valid('query');
    const { rows, total } = await deps.store.listUsers(offsetOf(page), page.limit);
    return okPage(c, rows.map(userJson), pageMeta(total, page.page, page.limit));
  });

  const found = <T>(value: T | null, id: string): T => {
    if (!value) throw new NotFoundError(`User ${id} not found`);
    return value;
  };
  const own = [authenticated, userScope()] as const;

  routes.get('/:user_id', ...own, async (c) => {
    const id = scopedUserId(c);
    return ok(c, userJson(found(await deps.store.findUser(id), id)));
  });

  routes.patch('/:user_id', ...own, validate('json', updateUserBody), async (c) => {
    const id = scopedUserId(c);
    const body = c.req.valid('json');
    const user = await deps.store.updateUser(id, {
      ...(body.name !== undefined && { name: body.name }),
      ...(body.email !== undefined && { email: body.email }),
      ...(body.password !== undefined && { passwordHash: await hashPassword(body.password) }),
    });
    return ok(c, userJson(found(user, id)), 'User updated');
  });

  routes.delete('/:user_id', ...own, async (c) => {
    const id = scopedUserId(c);
    if (!(await deps.store.deleteUser(id))) throw new NotFoundError(`User ${id} not found`);
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
