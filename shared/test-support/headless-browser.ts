import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** A headless Chromium with a fresh profile, its first page, and what the page logged as errors. */
export interface HeadlessBrowser {
  browser: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, unless `ignoreConsoleError` accepted them. */
  consoleErrors: string[];
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Debian's chromium (`executablePath`, from CHROMIUM_PATH), driven by
 * playwright-core: headless, no sandbox (CI runs as root), no network of
 * its own (no updates, sync or first-run pages), a fresh profile per run
 * (playwright passes it as --user-data-dir).
 */
export async function openHeadlessBrowser(options: {
  executablePath: string;
  viewport: { width: number; height: number };
  /** A console error the page is expected to log (e.g. a deliberate 401). */
  ignoreConsoleError?: (text: string) => boolean;
}): Promise<HeadlessBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const browser = await chromium
    .launchPersistentContext(profile, {
      executablePath: options.executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: options.viewport,
    })
    .catch((err: unknown) => {
      rmSync(profile, { recursive: true, force: true });
      throw err;
    });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !options.ignoreConsoleError?.(message.text())) consoleErrors.push(message.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(err.message));
  return {
    browser,
    page,
    consoleErrors,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
