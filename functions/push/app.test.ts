import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logging/logger.js';
import { createPushApp } from './app.js';
import { resolveVapidIdentity } from './vapid/vapid-keys.js';

describe('push app and VAPID identity', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'push-vapid-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('GET /api/v1/push/vapid-public-key (with or without trailing slash) returns the key, readable cross-origin', async () => {
    const app = createPushApp({
      logger: createLogger({ level: 'silent', name: 'push' }),
      bodyLimitBytes: 1024,
      vapidPublicKey: 'BPUBLIC',
      readiness: {},
    });
    for (const path of ['/api/v1/push/vapid-public-key', '/api/v1/push/vapid-public-key/']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.json()).toMatchObject({ success: true, data: { public_key: 'BPUBLIC' } });
    }
  });

  it('development: generates a key pair once and keeps it in DATA_DIR', () => {
    const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: dataDir });
    const first = resolveVapidIdentity(config);
    const second = resolveVapidIdentity(config);
    expect(first.source).toBe('generated');
    expect(second).toMatchObject({ source: 'data_dir', publicKey: first.publicKey, privateKey: first.privateKey });
    expect(JSON.parse(readFileSync(join(dataDir, 'vapid-keys.json'), 'utf8')).public_key).toBe(first.publicKey);
  });

  it('production: refuses to start without keys and subject; half a pair is refused anywhere', () => {
    const prod = {
      NODE_ENV: 'production',
      ADMIN_API_KEY: 'a'.repeat(24),
      JWT_SECRET: 'j'.repeat(32),
      INTERNAL_SECRET: 'i'.repeat(32),
      DATA_DIR: dataDir,
    };
    expect(() => resolveVapidIdentity(loadConfig(prod))).toThrow(/required in production/);
    const { publicKey, privateKey } = resolveVapidIdentity(loadConfig({ NODE_ENV: 'test' }));
    expect(() =>
      resolveVapidIdentity(loadConfig({ ...prod, VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey })),
    ).toThrow(/VAPID_SUBJECT/);
    expect(() => resolveVapidIdentity(loadConfig({ NODE_ENV: 'development', VAPID_PUBLIC_KEY: publicKey }))).toThrow(
      /set together/,
    );
    expect(
      resolveVapidIdentity(
        loadConfig({
          ...prod,
          VAPID_PUBLIC_KEY: publicKey,
          VAPID_PRIVATE_KEY: privateKey,
          VAPID_SUBJECT: 'mailto:ops@example.com',
        }),
      ),
    ).toMatchObject({ source: 'environment', publicKey });
  });
});
