import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';

/**
 * The token signing secret. Production requires JWT_SECRET (config refuses
 * to start without it); in development one is generated once and kept in
 * DATA_DIR so tokens survive restarts and separate processes agree.
 */
export function resolveJwtSecret(config: Config): string {
  if (config.auth.jwtSecret) return config.auth.jwtSecret;
  if (config.env === 'test') return randomBytes(32).toString('base64url');
  const file = join(config.dataDir, 'dev-secrets.json');
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { jwt_secret?: string };
    if (saved.jwt_secret) return saved.jwt_secret;
  } catch {
    // first start: no file yet
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ jwt_secret: secret }), { mode: 0o600 });
  return secret;
}
