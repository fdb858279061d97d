import { Hono } from 'hono';
import type { Authenticator } from '../../../shared/auth/authenticator.js';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okPage, pageMeta } from '../../../shared/envelope.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { offsetOf } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import type { TemplateService } from './template-service.js';
import { channelQuery, codeParam, listVersionsQuery, parseAddVersion, versionParam, versionToWire } from './wire.js';

export interface VersionRoutesDeps {
  service: TemplateService;
  authenticator: Authenticator;
}

/**
 * `/api/v1/templates/:code/versions`: the immutable history of a template.
 * A new version is a POST (active by default); a rollback is activating an
 * older one. Reads need scope `send`, writes `admin`.
 */
export function createVersionsRoutes({ service, authenticator }: VersionRoutesDeps): Hono<AppEnv> {
  const reader = requireAuth({ authenticator, scope: 'send' });
  const admin = requireAuth({ authenticator, scope: 'admin' });

  return new Hono<AppEnv>()
    .post('/:code/versions', admin, validate('param', codeParam), validate('query', channelQuery), async (c) => {
      const template = await service.find(c.req.valid('param').code, c.req.valid('query').channel);
      // the content shape depends on the template's channel, so the body is parsed once the template is known
      const raw: unknown = await c.req.json().catch(() => undefined);
      const version = await service.addVersion(template, parseAddVersion(raw, template.channel));
      const active = (await service.activeVersions([template.id])).get(template.id) ?? {};
      return ok(c, versionToWire(version, active), 'Version created', 201);
    })

    .get('/:code/versions', reader, validate('param', codeParam), validate('query', listVersionsQuery), async (c) => {
      const query = c.req.valid('query');
      const template = await service.find(c.req.valid('param').code, query.channel);
      const { items, total } = await service.listVersions(template, {
        language: query.language,
        limit: query.limit,
        offset: offsetOf(query),
      });
      const active = (await service.activeVersions([template.id])).get(template.id) ?? {};
      return okPage(
        c,
        items.map((v) => versionToWire(v, active)),
        pageMeta(total, query.page, query.limit),
        'Versions',
      );
    })

    .get('/:code/versions/:version', reader, validate('param', versionParam), validate('query', channelQuery), async (c) => {
      const { code, version } = c.req.valid('param');
      const template = await service.find(code, c.req.valid('query').channel);
      const found = await service.getVersion(template, version);
      const active = (await service.activeVersions([template.id])).get(template.id) ?? {};
      return ok(c, versionToWire(found, active), 'Version');
    })

    .post(
      '/:code/versions/:version/activate',
      admin,
      validate('param', versionParam),
      validate('query', channelQuery),
      async (c) => {
        const { code, version } = c.req.valid('param');
        const template = await service.find(code, c.req.valid('query').channel);
        const { version: activated, previous } = await service.activate(template, version);
        const active = (await service.activeVersions([template.id])).get(template.id) ?? {};
        return ok(c, { ...versionToWire(activated, active), previous_active_version: previous }, 'Version activated');
      },
    );
}
