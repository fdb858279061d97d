import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import type { Config } from '../../../shared/config.js';
import type { VapidIdentity } from '../senders/web-push-sender.js';

/** Contact push services see when VAPID_SUBJECT is unset (development only). */
const DEV_SUBJECT = 'mailto:notifications@localhost';
const FILE = 'vapid-keys.json';

export class VapidConfigError extends Error {
  override name = 'VapidConfigError';
}

function assertKeyPair(publicKey: string, privateKey: string): void {
  // base64url of an uncompressed P-256 point (65 bytes) and of its 32-byte private scalar
  if (Buffer.from(publicKey, 'base64url').length !== 65)
    throw new VapidConfigError('VAPID_PUBLIC_KEY: must be a base64url P-256 public key (65 bytes)');
  if (Buffer.from(privateKey, 'base64url').length !== 32)
    throw new VapidConfigError('VAPID_PRIVATE_KEY: must be a base64url P-256 private key (32 bytes)');
}

/**
 * The Web Push identity: VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY / VAPID_SUBJECT
 * when set. Production requires them: browsers bind every subscription to
 * the public key, so keys that change on restart (or differ per replica)
 * would orphan every subscription. In development a pair is generated once
 * and kept in DATA_DIR for the same reason; tests get a fresh pair.
 */
export function resolveVapidIdentity(config: Config): VapidIdentity & { source: 'environment' | 'data_dir' | 'generated' } {
  const { publicKey, privateKey, subject } = config.vapid;
  if (publicKey || privateKey) {
    if (!publicKey || !privateKey) throw new VapidConfigError('VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together');
    assertKeyPair(publicKey, privateKey);
    if (config.env === 'production' && !subject)
      throw new VapidConfigError('VAPID_SUBJECT: required in production (mailto: or https: contact)');
    return { publicKey, privateKey, subject: subject ?? DEV_SUBJECT, source: 'environment' };
  }
  if (config.env === 'production') {
    throw new VapidConfigError(
      'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are required in production (`npm run vapid` prints a new pair)',
    );
  }
  if (config.env === 'test') return { ...webpush.generateVAPIDKeys(), subject: subject ?? DEV_SUBJECT, source: 'generated' };

  const file = join(config.dataDir, FILE);
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { public_key?: string; private_key?: string };
    if (saved.public_key && saved.private_key) {
      assertKeyPair(saved.public_key, saved.private_key);
      return { publicKey: saved.public_key, privateKey: saved.private_key, subject: subject ?? DEV_SUBJECT, source: 'data_dir' };
    }
  } catch (error) {
    if (error instanceof VapidConfigError) throw error;
    // first start: no file yet
  }
  const pair = webpush.generateVAPIDKeys();
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify({ public_key: pair.publicKey, private_key: pair.privateKey }), { mode: 0o600 });
  return { ...pair, subject: subject ?? DEV_SUBJECT, source: 'generated' };
}
