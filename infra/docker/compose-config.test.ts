import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `docker-compose config -q`: Compose itself validates docker-compose.yml (schema, interpolation, references).
const INSTALL_HINT =
  'docker-compose is not installed; it is required for this test (not skipped). Install it: apt-get install -y docker-compose';

const emptyDir = mkdtempSync(join(tmpdir(), 'compose-config-'));
const emptyEnvFile = join(emptyDir, 'empty.env');
writeFileSync(emptyEnvFile, '');
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

/** Run docker-compose with only the given variables (and an empty env file, so a developer's .env plays no part). */
function compose(args: string[], vars: Record<string, string>, envFile = emptyEnvFile) {
  const result = spawnSync('docker-compose', ['--env-file', envFile, ...args], {
    env: { PATH: process.env.PATH, HOME: emptyDir, ...vars },
    encoding: 'utf8',
  });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(INSTALL_HINT);
  return result;
}

const SECRETS = { ADMIN_API_KEY: 'a'.repeat(32), JWT_SECRET: 'j'.repeat(48) };

describe('docker-compose config', () => {
  it('accepts docker-compose.yml when the required secrets are set', () => {
    const result = compose(['config', '-q'], SECRETS);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses to render without ADMIN_API_KEY and JWT_SECRET (production secrets are never defaulted)', () => {
    const withoutAdminKey = compose(['config', '-q'], { JWT_SECRET: SECRETS.JWT_SECRET });
    expect(withoutAdminKey.status).not.toBe(0);
    expect(withoutAdminKey.stderr).toContain('ADMIN_API_KEY');

    const withoutJwtSecret = compose(['config', '-q'], { ADMIN_API_KEY: SECRETS.ADMIN_API_KEY });
    expect(withoutJwtSecret.status).not.toBe(0);
    expect(withoutJwtSecret.stderr).toContain('JWT_SECRET');
  });

  it('accepts the documented example env file as is', () => {
    const result = compose(['config', '-q'], {}, 'infra/docker/compose.env.example');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
