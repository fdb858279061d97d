// @requires CHROMIUM_PATH
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv } from '../../../shared/config.js';
import { closeServer, listen } from '../../../shared/runtime/serve.js';
import { type HeadlessBrowser, openHeadlessBrowser } from '../../../shared/test-support/headless-browser.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { INBOX_TEMPLATE, seedInboxTemplate } from '../test-support/inbox-kit.js';
import { openPlatform, type PlatformKit } from '../test-support/platform-kit.js';

/**
 * The `<notify-inbox>` component in a real browser (Debian's chromium,
 * driven by playwright-core): the example page (examples/inbox/) served from
 * an origin of its own, the platform in-process behind a real socket on
 * another, so the page loads /inbox.js and calls the API across origins as a
 * customer's page would. A notification sent through POST /api/v1/notifications
 * shows up in the open panel and the badge without a reload; clicking it marks
 * it read and the badge drops.
 */
const CHROMIUM_PATH = processEnv().CHROMIUM_PATH!;
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const EXAMPLE = readFileSync(join(process.cwd(), 'examples/inbox/index.html'), 'utf8');

describe('inbox component in headless Chromium', () => {
  let kit: PlatformKit;
  let gateway: ServerType;
  let site: ServerType;
  let api: string;
  let siteUrl: string;
  let headless: HeadlessBrowser;
  let page: Page;
  let consoleErrors: string[] = [];

  beforeAll(async () => {
    kit = await openPlatform(testDatabases()[0]!);
    await seedInboxTemplate(kit);
    gateway = await listen(kit.gateway.app, 0, '127.0.0.1');
    api = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    // the customer's site: another origin (another port) serving the example page
    await new Promise<void>((resolve) => {
      site = serve(
        {
          fetch: () => new Response(EXAMPLE, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
          port: 0,
          hostname: '127.0.0.1',
        },
        (info) => {
          siteUrl = `http://127.0.0.1:${info.port}`;
          resolve();
        },
      );
    });

    headless = await openHeadlessBrowser({ executablePath: CHROMIUM_PATH, viewport: { width: 900, height: 640 } });
    ({ page, consoleErrors } = headless);
  }, 180_000);

  afterAll(async () => {
    await headless?.close();
    if (site) await closeServer(site);
    if (gateway) await closeServer(gateway);
    await kit?.close();
  });

  it('shows a notification sent now in the open panel and the badge, live; a click reads it and the badge drops', {
    timeout: 120_000,
  }, async () => {
    // Arrange: a user, an embed token minted with the send key, the page open with the panel shown
    const ada = await kit.createUser();
    const minted = await kit.request('POST', '/api/v1/inbox/tokens', { auth: kit.sendKey, body: { user_id: ada.id } });
    const token: string = minted.body.data.token;
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(`${siteUrl}/?api=${encodeURIComponent(api)}&token=${encodeURIComponent(token)}`);
    await page.waitForSelector('notify-inbox li.empty', { state: 'attached' });
    // the component says when its stream is open: from here it follows it, without a reload
    await page.waitForSelector('notify-inbox[data-state="live"]', { state: 'attached' });
    await page.click('notify-inbox .bell');
    await page.waitForSelector('notify-inbox .panel:not([hidden])');
    expect(await page.isHidden('notify-inbox .badge')).toBe(true);
    const loads = await page.evaluate(() => performance.getEntriesByType('navigation').length);

    // Act: send through the public intake, over the socket, as the customer's backend would
    const sentAt = Date.now();
    const res = await fetch(`${api}/api/v1/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${kit.sendKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        notification_type: 'in_app',
        user_id: ada.id,
        template_code: INBOX_TEMPLATE,
        variables: { name: 'Ada', order: 'A-1042' },
        request_id: `browser-${sentAt}`,
      }),
    });
    expect(res.status).toBe(202);
    const { data } = (await res.json()) as { data: { notification_id: string } };

    // Assert: in the panel and on the badge, the page never reloaded
    const row = `notify-inbox li.item[data-id="${data.notification_id}"]`;
    await page.waitForSelector(`${row}.unread`);
    await expect.poll(() => page.textContent('notify-inbox .badge')).toBe('1');
    const shownAfterMs = Date.now() - sentAt;
    expect(await page.textContent(row)).toContain('Your order A-1042 shipped');
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(loads);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'inbox.png') });
    writeFileSync(join(ARTIFACTS, 'inbox.txt'), `sent to shown in the panel: ${shownAfterMs} ms\n`);

    // a click reads it: the badge drops, the row is read, the notification's status is read
    await page.click(row);
    await page.waitForSelector(`${row}:not(.unread)`);
    await expect.poll(() => page.isHidden('notify-inbox .badge')).toBe(true);
    expect(await page.textContent('#clicked')).toBe('Opened: Hi Ada');
    await expect
      .poll(async () => (await kit.request('GET', `/api/v1/notifications/${data.notification_id}`)).body.data.status)
      .toBe('read');

    // nothing but the two origins was asked for anything
    expect(requests.filter((url) => !url.startsWith(api) && !url.startsWith(siteUrl))).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
