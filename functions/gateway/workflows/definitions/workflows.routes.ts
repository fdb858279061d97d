import { type Context, Hono } from 'hono';
import type { Authenticator } from '../../../../shared/auth/authenticator.js';
import { requireAuth } from '../../../../shared/auth/require-auth.js';
import { errorEnvelope, ok, okPage, pageMeta } from '../../../../shared/envelope.js';
import { ForbiddenError, NotFoundError, UnprocessableError } from '../../../../shared/errors.js';
import type { AppEnv } from '../../../../shared/http/app-env.js';
import { offsetOf } from '../../../../shared/http/pagination.js';
import { validate } from '../../../../shared/http/validate.js';
import { annotateLogContext } from '../../../../shared/logging/context.js';
import type { WorkflowDeps } from '../workflow-deps.js';
import {
  createWorkflowBody,
  triggerBatchBody,
  type WorkflowStep,
  workflowKeyParam,
  workflowsQuery,
  workflowVersionBody,
  workflowVersionParam,
} from './workflow.schemas.js';
import type { WorkflowWithVersion } from './workflow-store.js';
import { workflowJson, workflowVersionJson } from './workflow-wire.js';

/**
 * `/api/v1/workflows`: definitions and their versions (scope `admin`), and
 * triggers (scope `send`: one run, or a batch of them).
 */
export function createWorkflowRoutes(deps: WorkflowDeps & { authenticator: Authenticator }): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  const admin = requireAuth({ authenticator: deps.authenticator, scope: 'admin' });
  const sender = requireAuth({ authenticator: deps.authenticator, scope: 'send' });
  const found = (row: WorkflowWithVersion | null, key: string, version?: number) => {
    if (!row) throw new NotFoundError(version ? `Workflow ${key} has no version ${version}` : `Workflow ${key} not found`);
    return row;
  };
  const keyIdOf = (c: Context<AppEnv>) => {
    const principal = c.var.principal;
    if (principal.kind !== 'api_key') throw new ForbiddenError('Triggering needs an API key with scope send');
    return principal.keyId;
  };

  /** Every send step names a template that exists for its channel (422 otherwise), so a run does not fail later. */
  async function checkTemplates(steps: WorkflowStep[]): Promise<void> {
    const sends = steps.flatMap((s, index) => (s.type === 'send' ? [{ s, index }] : []));
    const found = await Promise.all(sends.map(({ s }) => deps.templates.resolve(s.template_code, s.channel, 'en')));
    const missing = sends.filter((_, i) => !found[i]);
    if (missing.length > 0) {
      throw new UnprocessableError(
        'unknown_template',
        `No template for ${missing.map(({ s, index }) => `step ${index} (${s.template_code} on ${s.channel})`).join(', ')}`,
      );
    }
  }

  routes.post('/', admin, validate('json', createWorkflowBody), async (c) => {
    const body = c.req.valid('json');
    await checkTemplates(body.steps);
    const row = await deps.store.create({ workflowKey: body.workflow_key, name: body.name, steps: body.steps });
    return ok(c, workflowJson(row), 'Workflow created', 201);
  });

  routes.get('/', admin, validate('query', workflowsQuery), async (c) => {
    const q = c.req.valid('query');
    const { rows, total } = await deps.store.list(offsetOf(q), q.limit);
    return okPage(c, rows.map(workflowJson), pageMeta(total, q.page, q.limit));
  });

  routes.get('/:key', admin, validate('param', workflowKeyParam), async (c) => {
    const { key } = c.req.valid('param');
    return ok(c, workflowJson(found(await deps.store.find(key), key)));
  });

  routes.post('/:key/versions', admin, validate('param', workflowKeyParam), validate('json', workflowVersionBody), async (c) => {
    const { key } = c.req.valid('param');
    const body = c.req.valid('json');
    await checkTemplates(body.steps);
    const row = found(await deps.store.addVersion(key, body), key);
    return ok(c, workflowJson(row), `Version ${row.version.version} created; activate it to run it`, 201);
  });

  routes.get('/:key/versions', admin, validate('param', workflowKeyParam), async (c) => {
    const { key } = c.req.valid('param');
    const all = await deps.store.versions(key);
    if (!all) throw new NotFoundError(`Workflow ${key} not found`);
    return ok(
      c,
      all.versions.map((v) => workflowVersionJson(all.workflow, v)),
    );
  });

  routes.get('/:key/versions/:version', admin, validate('param', workflowVersionParam), async (c) => {
    const { key, version } = c.req.valid('param');
    return ok(c, workflowJson(found(await deps.store.find(key, version), key, version)));
  });

  routes.post('/:key/versions/:version/activate', admin, validate('param', workflowVersionParam), async (c) => {
    const { key, version } = c.req.valid('param');
    const row = found(await deps.store.activate(key, version), key, version);
    return ok(c, workflowJson(row), `Version ${version} is active`);
  });

  routes.post('/:key/trigger', sender, validate('param', workflowKeyParam), async (c) => {
    const { key } = c.req.valid('param');
    const answer = await deps.trigger.accept(keyIdOf(c), key, {
      body: await c.req.json().catch(() => undefined),
      idempotencyKey: c.req.header('idempotency-key') || undefined,
      correlationId: c.var.correlationId,
    });
    annotateLogContext({ workflow_run_id: answer.body.data.workflow_run_id });
    if (answer.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(answer.body, answer.status);
  });

  routes.post(
    '/:key/trigger/batch',
    sender,
    validate('param', workflowKeyParam),
    validate('json', triggerBatchBody),
    async (c) => {
      const { key } = c.req.valid('param');
      const { triggers } = c.req.valid('json');
      const results = await deps.trigger.acceptMany(
        keyIdOf(c),
        key,
        triggers.map((body) => ({ body, correlationId: c.var.correlationId })),
      );
      const items = results.map((r, index) =>
        'answer' in r
          ? { index, status_code: r.answer.status, replayed: r.answer.replayed, ...r.answer.body }
          : {
              index,
              status_code: r.error.status,
              replayed: false,
              ...errorEnvelope(r.error.code, r.error.message, r.error.details),
            },
      );
      const accepted = items.filter((i) => i.status_code < 300).length;
      return c.json(
        {
          success: true,
          data: { accepted, rejected: items.length - accepted, items },
          message: `${accepted} of ${items.length} triggers accepted`,
        },
        207,
      );
    },
  );

  return routes;
}
