import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../shared/test-support/test-databases.js';
import { openTemplateTestKit, type TemplateTestKit } from '../test-support/template-test-kit.js';
import { STARTER_TEMPLATES, seedStarterTemplates } from './starter-templates.js';

describe.each(testDatabases())('starter templates on $kind', (testDb) => {
  let kit: TemplateTestKit;
  beforeAll(async () => {
    kit = await openTemplateTestKit(testDb);
  });
  afterAll(async () => {
    await kit?.close();
  });

  it('seeds six templates (email and push of each code), then nothing on a second run', async () => {
    const created = await seedStarterTemplates(kit.database.db);
    expect(created.sort()).toEqual([
      'account_deactivated/email',
      'account_deactivated/push',
      'password_reset/email',
      'password_reset/push',
      'welcome_email/email',
      'welcome_email/push',
    ]);
    expect(await seedStarterTemplates(kit.database.db)).toEqual([]);
    const list = await kit.call('GET', '/api/v1/templates?limit=100', { as: 'send' });
    expect(list.body.meta.total).toBe(STARTER_TEMPLATES.length);
    const categories = Object.fromEntries(
      list.body.data.map((t: { template_code: string; category: string }) => [t.template_code, t.category]),
    );
    expect(categories).toEqual({ welcome_email: 'onboarding', password_reset: 'security', account_deactivated: 'account' });
  });

  it('leaves an edited starter alone', async () => {
    await kit.call('POST', '/api/v1/templates/password_reset/versions?channel=push', {
      body: { content: { title: 'Edited', body: '{{name}}' }, variables: [{ name: 'name' }] },
    });
    await seedStarterTemplates(kit.database.db);
    const res = await kit.call('GET', '/api/v1/templates/password_reset?channel=push', { as: 'send' });
    expect(res.body.data.version).toMatchObject({ version: 2, content: { title: 'Edited' } });
  });

  it('every starter renders with name and link on both channels; welcome_email falls back fr-CA -> fr', async () => {
    for (const code of ['welcome_email', 'password_reset', 'account_deactivated']) {
      const email = await kit.call('POST', `/api/v1/templates/${code}/render?channel=email`, {
        as: 'send',
        body: { variables: { name: 'Ada', link: 'https://app.test/x' } },
      });
      expect(email.status).toBe(200);
      expect(email.body.data.content.html).toContain('href="https://app.test/x"');
      expect(email.body.data.content.text).toContain('Ada');
      expect(email.body.data.content.text).toContain('(https://app.test/x)');
    }
    const fr = await kit.call('POST', '/api/v1/templates/welcome_email/render?channel=email', {
      as: 'send',
      body: { variables: { name: 'Zoé', link: 'https://app.test/x' }, language: 'fr-CA' },
    });
    expect(fr.body.data).toMatchObject({ language: 'fr', content: { subject: 'Bienvenue, Zoé !' } });
    const push = await kit.call('POST', '/api/v1/templates/welcome_email/render?channel=push', {
      as: 'send',
      body: { variables: { name: 'Ada', link: 'https://app.test/x' } },
    });
    expect(push.body.data.content).toEqual({
      title: 'Welcome, Ada!',
      body: 'Your account is ready. Tap to get started.',
      url: 'https://app.test/x',
    });
    const missing = await kit.call('POST', '/api/v1/templates/password_reset/render?channel=email', {
      as: 'send',
      body: { variables: { name: 'Ada' } },
    });
    expect(missing.body.meta.missing).toEqual(['link']);
  });
});
