import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTemplateStore } from '../functions/template/templates/template-store.js';
import { createDb } from '../shared/db/create-db.js';

const REPO = new URL('..', import.meta.url).pathname;

/** Run `scripts/db-migrate.ts` as compose's job and `npm run stack` run it, on an embedded database. */
function runDbMigrate(dataDir: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

describe('db-migrate (compose job, npm run stack)', () => {
  it('creates the starter templates that are missing, as npm start does, and again changes nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'db-migrate-'));
    try {
      expect(await runDbMigrate(dataDir)).toBe(0);
      expect(await runDbMigrate(dataDir)).toBe(0);
      const database = await createDb({ pgliteDir: join(dataDir, 'pglite') });
      try {
        const welcome = await createTemplateStore(database.db).findByCode('welcome_email');
        expect(welcome.map((t) => t.channel).sort()).toEqual(['email', 'push']);
      } finally {
        await database.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
