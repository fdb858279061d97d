/**
 * Every route the client calls, as `[METHOD, path pattern]` in the gateway's
 * Hono notation (`:param`). The client builds its URLs from this table and
 * `notify-routes.test.ts` checks each entry against the gateway's merged
 * OpenAPI document, so the two cannot drift apart silently.
 */
export const NOTIFY_ROUTES = {
  send: ['POST', '/api/v1/notifications'],
  sendBatch: ['POST', '/api/v1/notifications/batch'],
  get: ['GET', '/api/v1/notifications/:notification_id'],
  list: ['GET', '/api/v1/notifications'],
  cancel: ['DELETE', '/api/v1/notifications/:notification_id'],
  login: ['POST', '/api/v1/auth/login'],
  'users.create': ['POST', '/api/v1/users'],
  'users.list': ['GET', '/api/v1/users'],
  'users.get': ['GET', '/api/v1/users/:user_id'],
  'users.update': ['PATCH', '/api/v1/users/:user_id'],
  'users.delete': ['DELETE', '/api/v1/users/:user_id'],
  'users.preferences': ['GET', '/api/v1/users/:user_id/preferences'],
  'users.updatePreferences': ['PUT', '/api/v1/users/:user_id/preferences'],
  'templates.create': ['POST', '/api/v1/templates'],
  'templates.list': ['GET', '/api/v1/templates'],
  'templates.get': ['GET', '/api/v1/templates/:code'],
  'templates.addVersion': ['POST', '/api/v1/templates/:code/versions'],
  'templates.activate': ['POST', '/api/v1/templates/:code/versions/:version/activate'],
  'templates.render': ['POST', '/api/v1/templates/:code/render'],
  'workflows.create': ['POST', '/api/v1/workflows'],
  'workflows.list': ['GET', '/api/v1/workflows'],
  'workflows.get': ['GET', '/api/v1/workflows/:key'],
  'workflows.addVersion': ['POST', '/api/v1/workflows/:key/versions'],
  'workflows.activate': ['POST', '/api/v1/workflows/:key/versions/:version/activate'],
  trigger: ['POST', '/api/v1/workflows/:key/trigger'],
  triggerBatch: ['POST', '/api/v1/workflows/:key/trigger/batch'],
  run: ['GET', '/api/v1/workflow-runs/:run_id'],
  cancelRun: ['DELETE', '/api/v1/workflow-runs/:run_id'],
} as const satisfies Record<string, readonly [string, string]>;

export type NotifyRouteName = keyof typeof NOTIFY_ROUTES;

/** Fill a route's `:param` segments (URI-encoded); throws on a missing one. */
export function routePath(pattern: string, params: Record<string, string | number> = {}): string {
  return pattern.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${pattern}`);
    return encodeURIComponent(String(value));
  });
}
