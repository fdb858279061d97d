/**
 * Path prefixes the gateway forwards, unchanged, to the function that owns
 * them: the one table both the app (`app.ts`) and its OpenAPI document
 * (`openapi.ts`) read.
 */
export const FORWARDED = [
  ['/api/v1/users', 'user'],
  ['/api/v1/auth', 'user'],
  ['/api/v1/api-keys', 'user'],
  ['/api/v1/topics', 'user'],
  ['/api/v1/templates', 'template'],
  ['/api/v1/email/events', 'email'],
  ['/api/v1/push/vapid-public-key', 'push'],
] as const;

export const FORWARDED_PREFIXES = FORWARDED.map(([prefix]) => prefix);
