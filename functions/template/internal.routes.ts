import { Hono } from 'hono';
import { requireInternalCaller } from '../../shared/auth/require-internal-caller.js';
import { ok } from '../../shared/envelope.js';
import type { AppEnv } from '../../shared/http/app-env.js';
import { validate } from '../../shared/http/validate.js';
import type { TemplateService } from './templates/template-service.js';
import {
  codeParam,
  internalRenderBody,
  internalResolveQuery,
  renderedToWire,
  requiredChannelQuery,
  resolvedToWire,
  versionParam,
} from './templates/wire.js';

/**
 * `/internal/v1/templates`: what the gateway and the delivery workers call,
 * with a service credential for the template function (401 without one,
 * before any route). The gateway never forwards `/internal` paths (it
 * proxies only `/api/v1/templates*`); callers always name the channel.
 *
 * - `GET /:code?channel=&language=` resolves the active version (with
 *   language fallback) so the gateway can pin it on a notification.
 * - `GET /:code/versions/:version?channel=` returns that exact, immutable version.
 * - `POST /:code/versions/:version/render?channel=` `{ variables }` renders a pinned version.
 */
export function createInternalRoutes({
  service,
  internalSecret,
}: {
  service: TemplateService;
  internalSecret: string;
}): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .use('*', requireInternalCaller({ secret: internalSecret, audience: 'template' }))
    .get('/:code', validate('param', codeParam), validate('query', internalResolveQuery), async (c) => {
      const query = c.req.valid('query');
      const template = await service.find(c.req.valid('param').code, query.channel);
      const resolved = await service.resolve(template, { language: query.language });
      const active = (await service.activeVersions([template.id])).get(template.id) ?? {};
      return ok(c, resolvedToWire(template, resolved, active), 'Template');
    })

    .get('/:code/versions/:version', validate('param', versionParam), validate('query', requiredChannelQuery), async (c) => {
      const { code, version } = c.req.valid('param');
      const template = await service.find(code, c.req.valid('query').channel);
      const resolved = await service.resolve(template, { version });
      const active = (await service.activeVersions([template.id])).get(template.id) ?? {};
      return ok(c, resolvedToWire(template, resolved, active), 'Template version');
    })

    .post(
      '/:code/versions/:version/render',
      validate('param', versionParam),
      validate('query', requiredChannelQuery),
      validate('json', internalRenderBody),
      async (c) => {
        const { code, version } = c.req.valid('param');
        const template = await service.find(code, c.req.valid('query').channel);
        const resolved = await service.resolve(template, { version });
        const content = await service.render(template, resolved.version, c.req.valid('json').variables);
        return ok(c, renderedToWire(template, resolved, content), 'Rendered');
      },
    );
}
