import type { Db } from '../../../shared/db/create-db.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { Channel } from '../../../shared/schemas/channels.js';
import type { TemplateContent, VariableDeclaration } from '../engine/content.js';
import { assertContentCompiles } from '../engine/render-content.js';
import { createTemplateEngine } from '../engine/template-engine.js';
import { createTemplateStore, type TemplateStore } from './template-store.js';

interface StarterTemplate {
  templateCode: string;
  channel: Channel;
  category: string;
  description: string;
  variables: VariableDeclaration[];
  /** Content per language; the first entry is the default language. */
  versions: Array<{ language: string; content: TemplateContent }>;
}

const NAME_AND_LINK: VariableDeclaration[] = [
  { name: 'name', required: true },
  { name: 'link', required: true },
];

const paragraphs = (...lines: string[]) => lines.map((l) => `<p>${l}</p>`).join('\n');

/** The templates every fresh install has: each as an email and a push variant, using `{{name}}` and `{{link}}`. */
export const STARTER_TEMPLATES: readonly StarterTemplate[] = [
  {
    templateCode: 'welcome_email',
    channel: 'email',
    category: 'onboarding',
    description: 'Sent when a user signs up',
    variables: NAME_AND_LINK,
    versions: [
      {
        language: 'en',
        content: {
          subject: 'Welcome, {{name}}!',
          html: paragraphs('Hi {{name}},', 'Welcome aboard. Your account is ready.', '<a href="{{link}}">Get started</a>'),
        },
      },
      {
        language: 'fr',
        content: {
          subject: 'Bienvenue, {{name}} !',
          html: paragraphs('Bonjour {{name}},', 'Bienvenue ! Votre compte est prêt.', '<a href="{{link}}">Commencer</a>'),
        },
      },
    ],
  },
  {
    templateCode: 'welcome_email',
    channel: 'push',
    category: 'onboarding',
    description: 'Sent when a user signs up',
    variables: NAME_AND_LINK,
    versions: [
      {
        language: 'en',
        content: { title: 'Welcome, {{name}}!', body: 'Your account is ready. Tap to get started.', url: '{{link}}' },
      },
      {
        language: 'fr',
        content: { title: 'Bienvenue, {{name}} !', body: 'Votre compte est prêt. Touchez pour commencer.', url: '{{link}}' },
      },
    ],
  },
  {
    templateCode: 'password_reset',
    channel: 'email',
    category: 'security',
    description: 'A link to choose a new password',
    variables: NAME_AND_LINK,
    versions: [
      {
        language: 'en',
        content: {
          subject: 'Reset your password',
          html: paragraphs(
            'Hi {{name}},',
            'Someone asked to reset the password of your account. If it was you, choose a new one here:',
            '<a href="{{link}}">Reset my password</a>',
            'If it was not you, ignore this email: your password stays as it is.',
          ),
        },
      },
    ],
  },
  {
    templateCode: 'password_reset',
    channel: 'push',
    category: 'security',
    description: 'A link to choose a new password',
    variables: NAME_AND_LINK,
    versions: [
      {
        language: 'en',
        content: { title: 'Password reset requested', body: '{{name}}, tap to choose a new password.', url: '{{link}}' },
      },
    ],
  },
  {
    templateCode: 'account_deactivated',
    channel: 'email',
    category: 'account',
    description: 'Confirms an account was deactivated',
    variables: NAME_AND_LINK,
    versions: [
      {
        language: 'en',
        content: {
          subject: 'Your account has been deactivated',
          html: paragraphs(
            'Hi {{name}},',
            'Your account has been deactivated. Changed your mind? You can reactivate it here:',
            '<a href="{{link}}">Reactivate my account</a>',
          ),
        },
      },
    ],
  },
  {
    templateCode: 'account_deactivated',
    channel: 'push',
    category: 'account',
    description: 'Confirms an account was deactivated',
    variables: NAME_AND_LINK,
    versions: [
      {
        language: 'en',
        content: {
          title: 'Account deactivated',
          body: '{{name}}, your account has been deactivated. Tap to reactivate.',
          url: '{{link}}',
        },
      },
    ],
  },
];

/**
 * Insert the starter templates that are missing (by code and channel);
 * existing ones, edited or not, are left alone, so it is safe on every start
 * and from several replicas at once. Returns the `code/channel` pairs it created.
 */
export async function seedStarterTemplates(db: Db, logger?: Logger): Promise<string[]> {
  const store: TemplateStore = createTemplateStore(db);
  const engine = createTemplateEngine();
  const created: string[] = [];
  for (const starter of STARTER_TEMPLATES) {
    const [first, ...others] = starter.versions;
    // same checks as the API, so a starter can never be a template the API would refuse
    for (const v of starter.versions) assertContentCompiles(engine, starter.channel, v.content, starter.variables);
    const result = await store.createTemplate(
      {
        templateCode: starter.templateCode,
        channel: starter.channel,
        category: starter.category,
        defaultLanguage: first!.language,
        description: starter.description,
      },
      { language: first!.language, content: first!.content, variables: starter.variables },
    );
    if (!result) continue;
    for (const v of others) {
      await store.addVersion(
        result.template.id,
        { language: v.language, content: v.content, variables: starter.variables },
        true,
      );
    }
    created.push(`${starter.templateCode}/${starter.channel}`);
  }
  if (created.length > 0) logger?.info({ created }, 'starter templates seeded');
  return created;
}
