import type { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import type { AppEnv } from '../http/app-env.js';
import type { Logger } from '../logging/logger.js';
import type { RoutingKey } from '../messages.js';
import type { Handler } from '../queue/queue.js';
import { createSqsBatchHandler, type SqsBatchResponse, type SqsEvent, type SqsRecord } from '../queue/sqs/sqs-batch-handler.js';
import {
  type APIGatewayProxyEventV2,
  type APIGatewayProxyResult,
  classifyLambdaEvent,
  type LambdaContext,
  type LambdaResult,
  routingKeyOfRecord,
  type ScheduledEvent,
  type ScheduledResult,
} from './lambda-events.js';
import type { SqsEffectsResolver } from './lambda-sqs.js';

/** The queue handlers a function serves in Lambda, by routing key (what its `start()` would pass to `queue.consume`). */
export type LambdaConsumers = { [K in RoutingKey]?: Handler<K> };

/** One function as a Lambda invocation needs it: built once per instance (the cold start), used by every invocation. */
export interface LambdaTarget {
  name: string;
  app: Hono<AppEnv>;
  logger: Logger;
  consumers: LambdaConsumers;
  /** SQS_QUEUE_PREFIX: stripped from source queue names to find a record's routing key. */
  queuePrefix: string;
  /** Retry delays and dead letters through SQS; without it both are left to the queue's own settings. */
  sqsEffects?: SqsEffectsResolver;
  /**
   * Work to finish before an HTTP invocation returns, because a Lambda
   * instance is frozen between invocations (the gateway drains its outbox).
   * Its failure is logged, never turned into an error response: what it
   * does is also done by the scheduled invocation.
   */
  afterHttp?(request: { method: string; status: number }): Promise<void>;
  /** A scheduled (EventBridge) invocation; resolves with fields for the result. */
  onSchedule?(event: ScheduledEvent): Promise<Record<string, unknown>>;
  /** Export the invocation's spans before Lambda freezes the instance (nothing to do when tracing is off). */
  flushTraces?(): Promise<void>;
  /** Release connections (tests; Lambda itself never calls it). */
  close?(): Promise<void>;
}

/** The exported `handler` of a `functions/<name>/lambda.ts`. */
export interface LambdaHandler {
  (event: APIGatewayProxyEventV2, context?: LambdaContext): Promise<APIGatewayProxyResult>;
  (event: SqsEvent, context?: LambdaContext): Promise<SqsBatchResponse>;
  (event: ScheduledEvent, context?: LambdaContext): Promise<ScheduledResult>;
  (event: unknown, context?: LambdaContext): Promise<LambdaResult>;
  /** Close what the cold start opened and forget it (tests); the next invocation boots again. */
  dispose(): Promise<void>;
}

/** Record ids grouped by routing key; records no consumer here can take are failures at once. */
function groupByKey(target: LambdaTarget, records: SqsRecord[]) {
  const groups = new Map<RoutingKey, SqsRecord[]>();
  const orphans: SqsRecord[] = [];
  const served = Object.keys(target.consumers) as RoutingKey[];
  for (const record of records) {
    const key = routingKeyOfRecord(record, target.queuePrefix) ?? (served.length === 1 ? served[0] : undefined);
    if (!key || !target.consumers[key]) orphans.push(record);
    else groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return { groups, orphans };
}

/**
 * The one `handler` of a function in AWS Lambda. It boots the function on
 * the first invocation of an instance (the cold start) and keeps it in this
 * closure for every later one; a failed boot is forgotten, so the next
 * invocation tries again. Then it dispatches on the event's shape:
 *
 * - API Gateway HTTP API (payload 2.0) or function URL -> the Hono app through
 *   `hono/aws-lambda`, then `afterHttp` (the gateway's outbox drain);
 * - SQS batch -> each record to the consumer of its routing key through
 *   `createSqsBatchHandler` (the same `settle` decision as the long-running
 *   adapters), answering `{ batchItemFailures }` for `ReportBatchItemFailures`;
 * - EventBridge scheduled event -> `onSchedule` (the outbox safety net).
 *
 * An event of another shape is refused with an error (Lambda logs it).
 */
export function createLambdaHandler(boot: () => Promise<LambdaTarget>): LambdaHandler {
  let booted: Promise<LambdaTarget> | undefined;
  let http: ReturnType<typeof handle> | undefined;

  const target = (): Promise<LambdaTarget> => {
    booted ??= boot().catch((err: unknown) => {
      booted = undefined;
      throw err;
    });
    return booted;
  };

  const onHttp = async (t: LambdaTarget, event: APIGatewayProxyEventV2, context?: LambdaContext) => {
    http ??= handle(t.app);
    const result = await http(event, context);
    if (t.afterHttp) {
      const method = event.requestContext?.http?.method ?? (event as unknown as { httpMethod?: string }).httpMethod ?? 'GET';
      await t.afterHttp({ method, status: result.statusCode }).catch((err: unknown) => {
        t.logger.warn({ err }, 'after-request work failed; the scheduled invocation will catch up');
      });
    }
    return result;
  };

  const onSqs = async (t: LambdaTarget, event: SqsEvent): Promise<SqsBatchResponse> => {
    const { groups, orphans } = groupByKey(t, event.Records);
    for (const record of orphans) {
      t.logger.error(
        { message_id: record.messageId, queue_arn: record.eventSourceARN, function: t.name },
        'SQS record for a routing key this function does not consume; left to the redrive policy',
      );
    }
    const failures = orphans.map((r) => ({ itemIdentifier: r.messageId }));
    await Promise.all(
      [...groups].map(async ([key, records]) => {
        // an event source mapping reads one queue, so one ARN per batch; group anyway to stay correct
        const byArn = new Map<string, SqsRecord[]>();
        for (const r of records) byArn.set(r.eventSourceARN, [...(byArn.get(r.eventSourceARN) ?? []), r]);
        for (const [arn, batch] of byArn) {
          const effects = await t.sqsEffects?.(arn);
          const handler = t.consumers[key] as Handler<typeof key>;
          const run = createSqsBatchHandler(key, handler, { logger: t.logger, ...(effects && { effects }) });
          const { batchItemFailures } = await run({ Records: batch });
          failures.push(...batchItemFailures);
        }
      }),
    );
    return { batchItemFailures: failures };
  };

  const onSchedule = async (t: LambdaTarget, event: ScheduledEvent): Promise<ScheduledResult> => {
    const fields = (await t.onSchedule?.(event)) ?? {};
    t.logger.info({ source: event.source, ...fields }, 'scheduled invocation done');
    return { scheduled: true, ...fields };
  };

  const handler = async (event: unknown, context?: LambdaContext): Promise<LambdaResult> => {
    const kind = classifyLambdaEvent(event);
    if (!kind) throw new TypeError('unsupported Lambda event: expected API Gateway HTTP, SQS or EventBridge scheduled');
    const t = await target();
    try {
      if (kind === 'http') return await onHttp(t, event as APIGatewayProxyEventV2, context);
      if (kind === 'sqs') return await onSqs(t, event as SqsEvent);
      return await onSchedule(t, event as ScheduledEvent);
    } finally {
      // a frozen instance exports nothing: the spans of this invocation leave before it returns
      await t.flushTraces?.().catch((err: unknown) => t.logger.warn({ err }, 'trace export failed'));
    }
  };

  return Object.assign(handler, {
    async dispose() {
      const current = booted;
      booted = undefined;
      http = undefined;
      if (current) await (await current.catch(() => undefined))?.close?.();
    },
  }) as LambdaHandler;
}
