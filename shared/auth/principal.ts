export const SCOPES = ['admin', 'send'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: an API key with scopes, or a logged-in user. */
export type Principal = { kind: 'api_key'; keyId: string; scopes: Scope[] } | { kind: 'user'; userId: string };

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.kind === 'api_key' && (principal.scopes.includes(scope) || principal.scopes.includes('admin'));
}

/** Admins manage everyone; a user token manages only its own user. */
export function canActOnUser(principal: Principal, userId: string): boolean {
  return hasScope(principal, 'admin') || (principal.kind === 'user' && principal.userId === userId);
}
