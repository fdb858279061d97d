import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildEmailOpenApi } from '../../functions/email/openapi.js';
import { buildGatewayOpenApi } from '../../functions/gateway/openapi.js';
import { buildPushOpenApi } from '../../functions/push/openapi.js';
import { buildTemplateOpenApi } from '../../functions/template/openapi.js';
import { buildUserOpenApi } from '../../functions/user/openapi.js';

const DOCUMENTS = {
  gateway: buildGatewayOpenApi,
  user: buildUserOpenApi,
  template: buildTemplateOpenApi,
  email: buildEmailOpenApi,
  push: buildPushOpenApi,
};

const REDOCLY = join(dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')), 'bin/cli.js');
const CONFIG = new URL('../../redocly.yaml', import.meta.url).pathname;

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: Array<{ source: { ref: string }; pointer: string }>;
}

describe('redocly lint (recommended rules) of every generated OpenAPI document', () => {
  it('finds 0 errors and 0 warnings in the gateway merged document and each function', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
    try {
      const files = Object.entries(DOCUMENTS).map(([name, build]) => {
        const file = join(dir, `${name}.json`);
        writeFileSync(file, JSON.stringify(build()));
        return file;
      });
      // one process for the five documents; redocly exits 1 on errors, the JSON report tells warnings too
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [REDOCLY, 'lint', '--config', CONFIG, '--format', 'json', ...files],
        {
          maxBuffer: 64 * 1024 * 1024,
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
      ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
      // one JSON report per document, written one after the other (`}{`)
      const reports = stdout.split(/(?<=^\})(?=\{)/m).map((text) => JSON.parse(text) as { problems: LintProblem[] });
      expect(reports).toHaveLength(files.length);
      const problems = reports
        .flatMap((report) => report.problems)
        .map(
          (p) =>
            `${p.severity} ${p.ruleId}: ${p.message} (${p.location[0]?.source.ref.split('/').pop()} ${p.location[0]?.pointer})`,
        );
      expect(problems).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
