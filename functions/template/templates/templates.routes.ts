import { Hono } from 'hono';
import { validator } from 'hono/validator';
import type { Authenticator } from '../../../shared/auth/authenticator.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { offsetOf } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import type { TemplateService } from './template-service.js';
import {
  channelQuery,
  codeParam,
  fromPatchBody,
  getTemplateQuery,
  listTemplatesQuery,
  parseCreateTemplate,
  patchTemplateBody,
  renderBody,
  renderedToWire,
  resolvedToWire,
  templateToWire,
  versionToWire,
} from './wire.js';

export interface TemplateRoutesDeps {
  service: TemplateService;
  authenticator: Authenticator;
}

/**
 * `/api/v1/templates`: create, list, read (with language fallback),
 * update metadata, render a preview. Reads need scope `send`, writes `admin`.
 */
export function createTemplatesRoutes({ service, authenticator }: TemplateRoutesDeps): Hono<AppEnv> {
  const reader = requireAuth({ authenticator, scope: 'send' });
  const admin = requireAuth({ authenticator, scope: 'admin' });

  return (
    new Hono<AppEnv>()
      .post('/', admin, validator('json', parseCreateTemplate), async (c) => {
        const { template, version } = await service.create(c.req.valid('json'));
        const active = { [version.language]: version.version };
        return ok(c, { ...templateToWire(template, active), version: versionToWire(version, active) }, 'Template created', 201);
      })

      .get('/', reader, validate('query', listTemplatesQuery), async (c) => {
        const query = c.req.valid('query');
        const { items, total } = await service.list({
          channel: query.channel,
          category: query.category,
          limit: query.limit,
          offset: offsetOf(query),
        });
        const active = await service.activeVersions(items.map((t) => t.id));
        return okPage(
          c,
          items.map((t) => templateToWire(t, active.get(t.id) ?? {})),
          pageMeta(total, query.page, query.limit),
          'Templates',
        );
      })

      // `?version=` pins an exact version (numbers are unique per template, so `language` is then only echoed);
      // otherwise the active version of `language` -> its parents -> the default language.
      // Without `?channel=` the answer is the first channel's variant with every variant beside it.
      .get('/:code', reader, validate('param', codeParam), validate('query', getTemplateQuery), async (c) => {
        const { code } = c.req.valid('param');
        const query = c.req.valid('query');
        const templates = query.channel ? [await service.find(code, query.channel)] : await service.variants(code);
        const active = await service.activeVersions(templates.map((t) => t.id));
        const answers = await Promise.all(
          templates.map(async (t) => resolvedToWire(t, await service.resolve(t, query), active.get(t.id) ?? {})),
        );
        return ok(c, query.channel ? answers[0]! : { ...answers[0]!, variants: answers }, 'Template');
      })

      .patch(
        '/:code',
        admin,
        validate('param', codeParam),
        validate('query', channelQuery),
        validate('json', patchTemplateBody),
        async (c) => {
          const template = await service.find(c.req.valid('param').code, c.req.valid('query').channel);
          const updated = await service.update(template, fromPatchBody(c.req.valid('json')));
          const active = (await service.activeVersions([updated.id])).get(updated.id) ?? {};
          return ok(c, templateToWire(updated, active), 'Template updated');
        },
      )

      .post(
        '/:code/render',
        reader,
        validate('param', codeParam),
        validate('query', channelQuery),
        validate('json', renderBody),
        async (c) => {
          const body = c.req.valid('json');
          const template = await service.find(c.req.valid('param').code, c.req.valid('query').channel);
          const resolved = await service.resolve(template, body);
          const content = await service.render(template, resolved.version, body.variables);
          return ok(c, renderedToWire(template, resolved, content), 'Rendered');
        },
      )
  );
}
