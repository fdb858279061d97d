import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

type DevSecretName = 'jwt_secret' | 'internal_secret';

/**
 * A secret the config may leave unset outside production (config refuses to
 * start production without it). In development one is generated once and
 * kept in DATA_DIR (`dev-secrets.json`, mode 0600), so tokens survive
 * restarts and separate processes on one data directory agree; in tests a
 * fresh one per process.
 */
function resolveDevSecret(config: Config, name: DevSecretName, configured: string | undefined): string {
  if (configured) return configured;
  if (config.env === 'test') return randomBytes(32).toString('base64url');
  const file = join(config.dataDir, 'dev-secrets.json');
  let saved: Partial<Record<DevSecretName, string>> = {};
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<DevSecretName, string>>;
  } catch {
    // first start: no file yet
  }
  const existing = saved[name];
  if (existing) return existing;
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ ...saved, [name]: secret }), { mode: 0o600 });
  return secret;
}

/** The token signing secret: JWT_SECRET, or the development one. */
export function resolveJwtSecret(config: Config): string {
  return resolveDevSecret(config, 'jwt_secret', config.auth.jwtSecret);
}

/** The secret of the service credentials between functions: INTERNAL_SECRET, or the development one. */
export function resolveInternalSecret(config: Config): string {
  return resolveDevSecret(config, 'internal_secret', config.auth.internalSecret);
}
