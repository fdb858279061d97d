import type { z } from 'zod';
import type { QuietHours } from '../../../shared/schedule/quiet-hours.js';
import type { apiKeyResponse, deviceResponse, preferencesResponse, userResponse } from './user.responses.js';
import type { ApiKeyRow, DeviceRow, PreferencesRow, UserWithPreferences } from './user-store.js';

/** Rows to wire format (snake_case), in one place. Never includes password or key hashes. */

export function preferencesJson(p: PreferencesRow): z.output<typeof preferencesResponse> {
  return {
    email: p.email,
    push: p.push,
    in_app: p.inApp,
    language: p.language,
    timezone: p.timezone,
    opt_out_categories: p.optOutCategories,
    quiet_hours: p.quietHours ?? null,
    updated_at: p.updatedAt.toISOString(),
  };
}

export function userJson(u: UserWithPreferences): z.output<typeof userResponse> {
  return {
    id: u.id,
    external_id: u.externalId,
    name: u.name,
    email: u.email,
    /** False for a recipient imported by a key until a password is set for it. */
    can_log_in: u.passwordHash !== null,
    preferences: preferencesJson(u.preferences),
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

/** A device as its owner sees it; the Web Push auth secret stays inside. */
export function deviceJson(d: DeviceRow): z.output<typeof deviceResponse> {
  return d.kind === 'web_push'
    ? { id: d.id, type: d.kind, endpoint: d.address, created_at: d.createdAt.toISOString() }
    : { id: d.id, type: d.kind, push_token: d.address, platform: d.platform, created_at: d.createdAt.toISOString() };
}

/** A device as the push function needs it to deliver (internal route only). */
export function deliverableDeviceJson(d: DeviceRow) {
  return d.kind === 'web_push'
    ? { id: d.id, type: d.kind, endpoint: d.address, keys: { p256dh: d.p256dh, auth: d.auth } }
    : { id: d.id, type: d.kind, push_token: d.address, platform: d.platform };
}

export function apiKeyJson(k: ApiKeyRow): z.output<typeof apiKeyResponse> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    created_at: k.createdAt.toISOString(),
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}

/** Wire preferences to their columns. */
export function preferencesColumns(body: {
  email?: boolean | undefined;
  push?: boolean | undefined;
  in_app?: boolean | undefined;
  language?: string | undefined;
  timezone?: string | undefined;
  opt_out_categories?: string[] | undefined;
  quiet_hours?: QuietHours | null | undefined;
}) {
  return Object.fromEntries(
    Object.entries({
      email: body.email,
      push: body.push,
      inApp: body.in_app,
      language: body.language,
      timezone: body.timezone,
      optOutCategories: body.opt_out_categories === undefined ? undefined : [...new Set(body.opt_out_categories)],
      quietHours: body.quiet_hours,
    }).filter(([, v]) => v !== undefined),
  ) as Partial<Omit<PreferencesRow, 'userId' | 'updatedAt'>>;
}
