import { Hono } from 'hono';
import { z } from 'zod';
import { requireAuth } from '../../../shared/auth/require-auth.js';
import { ok, okCursorPage, okPage, pageMeta } from '../../../shared/envelope.js';
import { NotFoundError } from '../../../shared/errors.js';
import type { AppEnv } from '../../../shared/http/app-env.js';
import { decodeCursor, encodeCursor } from '../../../shared/http/cursor.js';
import { offsetOf, paginationQuery } from '../../../shared/http/pagination.js';
import { validate } from '../../../shared/http/validate.js';
import type { UserAppDeps } from '../user-deps.js';
import {
  createTopicBody,
  subscribersBody,
  subscribersQuery,
  topicKeyParam,
  topicSubscriberParams,
  updateTopicBody,
} from './topic.schemas.js';
import type { TopicWithCount } from './topic-store.js';
import { subscribedJson, subscriberJson, topicJson, unsubscribedJson } from './topic-wire.js';

/**
 * `/api/v1/topics`: named groups of recipients, managed by a backend (an
 * API key with scope `send`, or `admin`); a user token may not. Adding and
 * removing subscribers is idempotent; the subscriber list is cursor-paginated
 * in user id order, so it can be read while it changes.
 */
export function createTopicsRoutes(deps: UserAppDeps): Hono<AppEnv> {
  const routes = new Hono<AppEnv>({ strict: false });
  routes.use('*', requireAuth({ authenticator: deps.authenticator, scope: 'send' }));

  const found = (topic: TopicWithCount | null, key: string): TopicWithCount => {
    if (!topic) throw new NotFoundError(`Topic ${key} not found`);
    return topic;
  };

  routes.post('/', validate('json', createTopicBody), async (c) => {
    const body = c.req.valid('json');
    const topic = await deps.topics.create(body.topic_key, body.name);
    deps.logger.info({ topic_key: topic.topicKey }, 'topic created');
    return ok(c, topicJson(topic), 'Topic created', 201);
  });

  routes.get('/', validate('query', paginationQuery), async (c) => {
    const page = c.req.valid('query');
    const { rows, total } = await deps.topics.list(offsetOf(page), page.limit);
    return okPage(c, rows.map(topicJson), pageMeta(total, page.page, page.limit));
  });

  routes.get('/:topic_key', validate('param', topicKeyParam), async (c) => {
    const { topic_key } = c.req.valid('param');
    return ok(c, topicJson(found(await deps.topics.find(topic_key), topic_key)));
  });

  routes.patch('/:topic_key', validate('param', topicKeyParam), validate('json', updateTopicBody), async (c) => {
    const { topic_key } = c.req.valid('param');
    const topic = await deps.topics.rename(topic_key, c.req.valid('json').name);
    return ok(c, topicJson(found(topic, topic_key)), 'Topic updated');
  });

  routes.delete('/:topic_key', validate('param', topicKeyParam), async (c) => {
    const { topic_key } = c.req.valid('param');
    if (!(await deps.topics.remove(topic_key))) throw new NotFoundError(`Topic ${topic_key} not found`);
    deps.logger.info({ topic_key }, 'topic deleted');
    return ok(c, { topic_key, deleted: true }, 'Topic deleted');
  });

  routes.post('/:topic_key/subscribers', validate('param', topicKeyParam), validate('json', subscribersBody), async (c) => {
    const { topic_key } = c.req.valid('param');
    const topic = found(await deps.topics.find(topic_key), topic_key);
    const change = await deps.topics.subscribe(topic, c.req.valid('json'));
    return ok(c, subscribedJson(topic_key, change), `${change.changed} subscribed, ${change.unchanged} already were`);
  });

  routes.post(
    '/:topic_key/subscribers/remove',
    validate('param', topicKeyParam),
    validate('json', subscribersBody),
    async (c) => {
      const { topic_key } = c.req.valid('param');
      const topic = found(await deps.topics.find(topic_key), topic_key);
      const change = await deps.topics.unsubscribe(topic, c.req.valid('json'));
      return ok(c, unsubscribedJson(topic_key, change), `${change.changed} unsubscribed`);
    },
  );

  routes.delete('/:topic_key/subscribers/:user_id', validate('param', topicSubscriberParams), async (c) => {
    const { topic_key, user_id } = c.req.valid('param');
    const topic = found(await deps.topics.find(topic_key), topic_key);
    const change = await deps.topics.unsubscribe(topic, { user_ids: [user_id] });
    return ok(c, unsubscribedJson(topic_key, change), change.changed > 0 ? 'Unsubscribed' : 'Was not subscribed');
  });

  routes.get('/:topic_key/subscribers', validate('param', topicKeyParam), validate('query', subscribersQuery), async (c) => {
    const { topic_key } = c.req.valid('param');
    const { cursor, limit } = c.req.valid('query');
    const topic = found(await deps.topics.find(topic_key), topic_key);
    const after = cursor === undefined ? undefined : decodeCursor(cursor, z.uuid());
    const rows = await deps.topics.subscribers(topic, after, limit + 1);
    const page = rows.slice(0, limit);
    const hasNext = rows.length > limit;
    return okCursorPage(c, page.map(subscriberJson), {
      limit,
      next_cursor: hasNext ? encodeCursor(page.at(-1)!.userId) : null,
      has_next: hasNext,
    });
  });

  return routes;
}
