// @requires CHROMIUM_PATH
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ServerType } from '@hono/node-server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../../../shared/config.js';
import { createLogger } from '../../../shared/logging/logger.js';
import { createMemoryQueue } from '../../../shared/queue/memory-queue.js';
import type { RunningFunction } from '../../../shared/runtime/function-module.js';
import { closeServer, listen } from '../../../shared/runtime/serve.js';
import { type HeadlessBrowser, openHeadlessBrowser } from '../../../shared/test-support/headless-browser.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { emailFunction } from '../../email/function.js';
import { type SmtpTestServer, startSmtpTestServer } from '../../email/test-support/smtp-test-server.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

/**
 * The dashboard in a real browser (Debian's chromium, driven by
 * playwright-core): the platform runs in-process with the real email worker
 * and an SMTP server that answers 451 until the retry policy gives up, so the
 * notification sent here is dead-lettered; the mailbox comes back; the operator logs in, finds it with
 * its timeline, clicks Redrive, and watches it get delivered.
 */
const CHROMIUM_PATH = processEnv().CHROMIUM_PATH!;
/** Where the screenshot goes (CI keeps `test-artifacts/`; `.gitignore` leaves it out). */
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

const [pglite] = testDatabases();

describe('dashboard in headless Chromium', () => {
  let kit: PlatformKit;
  let email: RunningFunction;
  let smtp: SmtpTestServer;
  let server: ServerType;
  let base: string;
  let headless: HeadlessBrowser;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpTestServer();
    const queue = createMemoryQueue({
      logger: createLogger({ level: 'silent', name: 'test' }),
      // the email policy's attempts, without its minutes of backoff
      policies: { email: { baseDelayMs: 10, factor: 1, maxDelayMs: 10, jitter: 0 } },
    });
    // every attempt reaches the relay (no breaker opening on the way), so the 451 is what the dead letter says
    const env = { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), EMAIL_BREAKER_VOLUME: '1000' };
    kit = await openPlatform(pglite!, { queue, env });
    email = await emailFunction.create(kit.infra, kit.peers);
    await email.start?.();
    server = await listen(kit.gateway.app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    headless = await openHeadlessBrowser({
      executablePath: CHROMIUM_PATH,
      viewport: { width: 1400, height: 1050 },
      // the deliberate login with a wrong key: the browser logs its 401 itself
      ignoreConsoleError: (text) => text.includes('status of 401'),
    });
    ({ page, consoleErrors } = headless);
  });

  afterAll(async () => {
    await headless?.close();
    if (server) await closeServer(server);
    await email?.stop?.();
    await kit?.close();
    await smtp?.close();
  });

  it('logs in with the admin key, shows a notification sent now with its timeline, and redrives its dead letter', async () => {
    // Arrange: a notification whose mail the relay refuses (451) on every attempt the policy allows, so it ends in the dead-letter queue
    const user = await kit.createUser();
    const busy = { code: 451, text: '4.2.0 Mailbox busy, try later' };
    smtp.replyTo(user.email, busy);
    const requestId = `dash-${randomUUID()}`;
    const sent = await kit.request('POST', '/api/v1/notifications', {
      auth: kit.sendKey,
      body: {
        notification_type: 'email',
        user_id: user.id,
        template_code: 'kit_welcome',
        variables: { name: 'Ada' },
        request_id: requestId,
      },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const id: string = sent.body.data.notification_id;
    await expect
      .poll(async () => (await kit.request('GET', '/api/v1/admin/dead-letters')).body.data.dead_letter_depth, { timeout: 15_000 })
      .toBe(1);

    // an endpoint for an event this test never raises: its row shows its health, nothing sent yet
    const hook = await kit.request('POST', '/api/v1/webhooks', {
      body: { url: 'https://hooks.example.com/dashboard', events: ['notification.read'], description: 'ops' },
    });
    expect(hook.status).toBe(201);

    // Act + Assert: a wrong key is refused with a clear message
    await page.goto(`${base}/dashboard`);
    await page.fill('#api-key', 'nk_not-a-real-key');
    await page.click('#login-submit');
    await expect.poll(() => page.textContent('#login-error')).toContain('not accepted');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    // the admin key opens the board
    await page.fill('#api-key', kit.adminKey);
    await page.click('#login-submit');
    await page.waitForSelector('#board:not([hidden])');
    expect(await page.isHidden('#login')).toBe(true);

    // the webhook endpoints panel: the endpoint with its state, success rate, backlog and last error
    const hookRow = await page.waitForSelector(`#webhooks tr[data-endpoint="${hook.body.data.id}"]`);
    const hookText = await hookRow.textContent();
    expect(hookText).toContain('https://hooks.example.com/dashboard');
    expect(hookText).toContain('healthy');
    expect(hookText).toContain('0 attempts');

    // the notification sent above is in the list; searching by its request id finds it alone
    await page.waitForSelector(`#notifications tr[data-id="${id}"]`);
    await page.fill('#q', requestId);
    await expect
      .poll(() => page.$$eval('#notifications tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-id'))))
      .toEqual([id]);

    // its timeline: queued, then sending and 451 per attempt, failed after the last
    await page.click(`#notifications tr[data-id="${id}"]`);
    await page.waitForSelector('#timeline li.failed');
    expect(await page.textContent('#detail')).toContain(id);
    expect(await page.textContent('#timeline')).toContain('451');

    // the dead letter is listed with its reason; Redrive sends it back and the worker delivers it
    await page.waitForSelector('#dead-letters button[data-redrive]');
    expect(await page.textContent('#dead-letters')).toContain('451');
    expect(await page.textContent('#stat-dead')).toBe('1');
    smtp.replyTo(user.email, { ...busy, times: 0 }); // the mailbox is back
    await page.click('#dead-letters button[data-redrive]');

    await page.waitForSelector('#dead-letters td.empty');
    expect(await page.textContent('#dead-letters')).toContain('No dead letters');
    await page.waitForSelector('#timeline li.delivered', { timeout: 15_000 });
    await expect.poll(() => page.textContent('#stat-dead')).toBe('0');
    expect(smtp.received.filter((m) => m.to.includes(user.email))).toHaveLength(1);
    expect((await kit.request('GET', `/api/v1/notifications/${id}`)).body.data.status).toBe('delivered');

    // the throughput chart drew its lines; the totals count this notification
    expect(await page.$$eval('#throughput-chart path.series', (paths) => paths.length)).toBe(3);
    await expect.poll(() => page.textContent('#stat-delivered')).toBe('1');
    expect(consoleErrors).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.fill('#q', '');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  }, 60_000);

  it('shows a workflow run held at its delay, and a click shows its steps', async () => {
    // Arrange: a run that sent, then waits an hour before its second send
    const key = `dash-flow-${randomUUID().slice(0, 8)}`;
    const send = { type: 'send', channel: 'email', template_code: 'kit_welcome' };
    const defined = await kit.request('POST', '/api/v1/workflows', {
      body: { workflow_key: key, name: 'Dashboard flow', steps: [send, { type: 'delay', duration: 'PT1H' }, send] },
    });
    expect(defined.status, JSON.stringify(defined.body)).toBe(201);
    const user = await kit.createUser();
    const triggered = await kit.request('POST', `/api/v1/workflows/${key}/trigger`, {
      auth: kit.sendKey,
      body: { user_id: user.id, payload: { name: 'Ada' }, request_id: randomUUID() },
    });
    expect(triggered.status, JSON.stringify(triggered.body)).toBe(202);
    const runId: string = triggered.body.data.workflow_run_id;
    await expect
      .poll(async () => (await kit.request('GET', `/api/v1/workflow-runs/${runId}`)).body.data.steps[1].state, {
        timeout: 15_000,
      })
      .toBe('waiting');
    const sent: string = (await kit.request('GET', `/api/v1/workflow-runs/${runId}`)).body.data.steps[0].notification_id;

    // Act: filter the panel to running runs
    await page.selectOption('#runs-status', 'running');
    const row = await page.waitForSelector(`#workflow-runs tr[data-id="${runId}"]`);

    // Assert: the run with its workflow, status and the step it is at
    const rowText = await row.textContent();
    expect(rowText).toContain(`${key} v1`);
    expect(rowText).toContain('running');
    expect(await row.$eval('.current-step', (td) => td.textContent)).toBe('1 · delay');
    expect(await page.$$eval('#workflow-runs tbody tr[data-id] .badge', (b) => b.map((x) => x.textContent))).not.toContain(
      'completed',
    );

    // a click shows its steps: type, state, wait until, notification
    await page.click(`#workflow-runs tr[data-id="${runId}"]`);
    const steps = await page.waitForSelector(`#workflow-runs tr[data-steps-of="${runId}"]`);
    const cells = await steps.$$eval('tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(0, 5).map((td) => td.textContent)),
    );
    expect(cells.map(([index, type, state]) => [index, type, state])).toEqual([
      ['0', 'send', 'completed'],
      ['1', 'delay', 'waiting'],
      ['2', 'send', 'pending'],
    ]);
    expect(cells[0]![4]).toBe(sent);
    expect(cells[1]![3]).not.toBe('–');
    expect(cells[2]![4]).toBe('–');

    // a second click folds it again
    await page.click(`#workflow-runs tr[data-id="${runId}"]`);
    await page.waitForSelector(`#workflow-runs tr[data-steps-of="${runId}"]`, { state: 'detached' });
    expect(consoleErrors).toEqual([]);
  }, 60_000);
});
