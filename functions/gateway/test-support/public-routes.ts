import type { PlatformKit } from './platform-kit.js';

/**
 * Who may call a route:
 * - `public`: anyone, no credential;
 * - `send`: an API key with scope `send` (or `admin`); user tokens refused;
 * - `admin`: an API key with scope `admin`;
 * - `any`: any valid credential (API key or user token), the route filters what it shows;
 * - `owner`: a user token of the `:user_id` in the path, or an admin key;
 * - `signed-link`: no credential, the query string's signature is the credential.
 */
export type Access = 'public' | 'send' | 'admin' | 'any' | 'owner' | 'signed-link';

/** The function that answers the route behind the gateway. */
export type Owner = 'gateway' | 'user' | 'template';

export interface PublicRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path template; `:name` segments are path parameters. */
  path: string;
  access: Access;
  owner: Owner;
  /** The route reads a JSON body. */
  body: boolean;
}

const route = (method: PublicRoute['method'], path: string, access: Access, owner: Owner, body = false): PublicRoute => ({
  method,
  path,
  access,
  owner,
  body,
});

/**
 * Every public route reachable through the gateway, as the route files define
 * them (`functions/{gateway,user,template}/*.routes.ts`, `shared/http/health.ts`).
 * The forwarded routes of the email and push functions (`/api/v1/email/events`,
 * `/api/v1/push/vapid-public-key`) are not here: those functions are not part
 * of the platform kit, so the gateway answers them 503 (tested on their own).
 */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  route('GET', '/', 'public', 'gateway'),
  route('GET', '/health', 'public', 'gateway'),
  route('GET', '/health/ready', 'public', 'gateway'),

  route('POST', '/api/v1/notifications', 'send', 'gateway', true),
  route('POST', '/api/v1/notifications/batch', 'send', 'gateway', true),
  route('GET', '/api/v1/fanouts/:fanout_id', 'send', 'gateway'),
  route('GET', '/api/v1/notifications', 'any', 'gateway'),
  route('GET', '/api/v1/notifications/:notification_id', 'any', 'gateway'),
  route('GET', '/api/v1/notifications/:notification_id/status', 'any', 'gateway'),
  route('DELETE', '/api/v1/notifications/:notification_id', 'send', 'gateway'),
  route('POST', '/api/v1/email/status', 'send', 'gateway', true),
  route('POST', '/api/v1/push/status', 'send', 'gateway', true),
  route('GET', '/api/v1/admin/overview', 'admin', 'gateway'),
  route('GET', '/api/v1/admin/dead-letters', 'admin', 'gateway'),
  route('POST', '/api/v1/admin/dead-letters/redrive', 'admin', 'gateway'),
  route('POST', '/api/v1/admin/dead-letters/:message_id/redrive', 'admin', 'gateway'),
  route('GET', '/api/v1/admin/notifications', 'admin', 'gateway'),
  route('GET', '/api/v1/admin/workflow-runs', 'admin', 'gateway'),
  route('POST', '/api/v1/workflows', 'admin', 'gateway', true),
  route('GET', '/api/v1/workflows', 'admin', 'gateway'),
  route('GET', '/api/v1/workflows/:key', 'admin', 'gateway'),
  route('POST', '/api/v1/workflows/:key/versions', 'admin', 'gateway', true),
  route('GET', '/api/v1/workflows/:key/versions', 'admin', 'gateway'),
  route('GET', '/api/v1/workflows/:key/versions/:version', 'admin', 'gateway'),
  route('POST', '/api/v1/workflows/:key/versions/:version/activate', 'admin', 'gateway'),
  route('POST', '/api/v1/workflows/:key/trigger', 'send', 'gateway', true),
  route('POST', '/api/v1/workflows/:key/trigger/batch', 'send', 'gateway', true),
  route('GET', '/api/v1/workflow-runs/:run_id', 'send', 'gateway'),
  route('DELETE', '/api/v1/workflow-runs/:run_id', 'send', 'gateway'),

  route('POST', '/api/v1/users', 'public', 'user', true),
  route('POST', '/api/v1/users/bulk', 'send', 'user', true),
  route('GET', '/api/v1/users', 'admin', 'user'),
  route('GET', '/api/v1/users/:user_id', 'owner', 'user'),
  route('PUT', '/api/v1/users/:user_id', 'owner', 'user', true),
  route('PATCH', '/api/v1/users/:user_id', 'owner', 'user', true),
  route('DELETE', '/api/v1/users/:user_id', 'owner', 'user'),
  route('GET', '/api/v1/users/:user_id/preferences', 'owner', 'user'),
  route('PUT', '/api/v1/users/:user_id/preferences', 'owner', 'user', true),
  route('POST', '/api/v1/users/:user_id/push-subscriptions', 'owner', 'user', true),
  route('GET', '/api/v1/users/:user_id/push-subscriptions', 'owner', 'user'),
  route('DELETE', '/api/v1/users/:user_id/push-subscriptions/:device_id', 'owner', 'user'),
  route('GET', '/api/v1/users/:user_id/unsubscribe', 'signed-link', 'user'),
  route('POST', '/api/v1/users/:user_id/unsubscribe', 'signed-link', 'user'),
  route('POST', '/api/v1/auth/login', 'public', 'user', true),
  route('POST', '/api/v1/api-keys', 'admin', 'user', true),
  route('GET', '/api/v1/api-keys', 'admin', 'user'),
  route('DELETE', '/api/v1/api-keys/:key_id', 'admin', 'user'),
  route('POST', '/api/v1/topics', 'send', 'user', true),
  route('GET', '/api/v1/topics', 'send', 'user'),
  route('GET', '/api/v1/topics/:topic_key', 'send', 'user'),
  route('PATCH', '/api/v1/topics/:topic_key', 'send', 'user', true),
  route('DELETE', '/api/v1/topics/:topic_key', 'send', 'user'),
  route('POST', '/api/v1/topics/:topic_key/subscribers', 'send', 'user', true),
  route('POST', '/api/v1/topics/:topic_key/subscribers/remove', 'send', 'user', true),
  route('DELETE', '/api/v1/topics/:topic_key/subscribers/:user_id', 'send', 'user'),
  route('GET', '/api/v1/topics/:topic_key/subscribers', 'send', 'user'),

  route('POST', '/api/v1/templates', 'admin', 'template', true),
  route('GET', '/api/v1/templates', 'send', 'template'),
  route('GET', '/api/v1/templates/:code', 'send', 'template'),
  route('PATCH', '/api/v1/templates/:code', 'admin', 'template', true),
  route('POST', '/api/v1/templates/:code/render', 'send', 'template', true),
  route('POST', '/api/v1/templates/:code/versions', 'admin', 'template', true),
  route('GET', '/api/v1/templates/:code/versions', 'send', 'template'),
  route('GET', '/api/v1/templates/:code/versions/:version', 'send', 'template'),
  route('POST', '/api/v1/templates/:code/versions/:version/activate', 'admin', 'template'),
];

export const routeName = (r: Pick<PublicRoute, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** The `:name` segments of a path template. */
export function paramsOf(path: string): string[] {
  return [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/** Put (already encoded) values in a path template. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for :${name} in ${path}`);
    return value;
  });
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

/** Send any request (odd bytes, odd headers) to the kit's gateway app, as a client on the network would. */
export async function sendRaw(kit: PlatformKit, request: Request): Promise<RawAnswer> {
  const res = await kit.gateway.app.request(request);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Why an answer is not the response envelope, or null when it is. */
export function envelopeProblem(json: unknown): string | null {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'body is not a JSON object';
  const body = json as Record<string, unknown>;
  if (typeof body.success !== 'boolean') return '`success` is not a boolean';
  if (typeof body.message !== 'string') return '`message` is not a string';
  if (body.success === false) {
    if (typeof body.error !== 'string') return 'an error without an `error` string';
    if (body.meta === null || typeof body.meta !== 'object' || Array.isArray(body.meta))
      return 'an error without a `meta` object';
  }
  return null;
}
