import type { APIGatewayProxyResult, ApiGatewayRequestContextV2, LambdaContext } from 'hono/aws-lambda';
import { isRoutingKey, type RoutingKey } from '../messages.js';
import type { SqsBatchResponse, SqsEvent, SqsRecord } from '../queue/sqs/sqs-batch-handler.js';
import { HEADER } from '../queue/wire.js';

export type { APIGatewayProxyResult, LambdaContext, SqsBatchResponse, SqsEvent, SqsRecord };

/** An API Gateway HTTP API (payload format 2.0) or Lambda function URL event. */
export interface APIGatewayProxyEventV2 {
  version: string;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string | undefined>;
  cookies?: string[];
  body: string | null;
  isBase64Encoded: boolean;
  requestContext: ApiGatewayRequestContextV2;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  stageVariables?: Record<string, string | undefined>;
}

/** An EventBridge event; a schedule rule sends `source: "aws.events"`, `detail-type: "Scheduled Event"`. */
export interface ScheduledEvent {
  source: string;
  'detail-type'?: string;
  time?: string;
  resources?: string[];
  [field: string]: unknown;
}

/** What a scheduled invocation answers (only its logs and metrics read it). */
export interface ScheduledResult {
  scheduled: true;
  [field: string]: unknown;
}

/** The three event shapes a function's one `handler` receives. */
export type LambdaEventKind = 'http' | 'sqs' | 'scheduled';

export type LambdaResult = APIGatewayProxyResult | SqsBatchResponse | ScheduledResult;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Tell the event shapes apart, the way AWS documents them:
 * - SQS: `Records[]` whose items have `eventSource: "aws:sqs"` (or a `messageId` and `receiptHandle`);
 * - HTTP: API Gateway HTTP API / function URL (`version: "2.0"`, `requestContext.http`), also v1/ALB (`httpMethod`);
 * - scheduled: EventBridge (`source` and `detail-type`, e.g. `aws.events` / `Scheduled Event`).
 * Anything else is `undefined` (the caller refuses it loudly).
 */
export function classifyLambdaEvent(event: unknown): LambdaEventKind | undefined {
  if (!isObject(event)) return undefined;
  const records = event.Records;
  if (Array.isArray(records)) {
    const sqs = records.every(
      (r) =>
        isObject(r) && (r.eventSource === 'aws:sqs' || (typeof r.messageId === 'string' && typeof r.receiptHandle === 'string')),
    );
    return sqs && records.length > 0 ? 'sqs' : undefined;
  }
  if (isObject(event.requestContext) && (isObject(event.requestContext.http) || typeof event.httpMethod === 'string'))
    return 'http';
  if (typeof event.httpMethod === 'string') return 'http';
  if (typeof event.source === 'string' && ('detail-type' in event || event.source === 'aws.events')) return 'scheduled';
  return undefined;
}

/** Queue name of an SQS ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export function queueNameOfArn(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/**
 * The routing key a record was published under: the adapter's routing-key
 * attribute when present (every message the platform publishes carries it),
 * otherwise the source queue's name without `prefix`: `<prefix><key>` (the
 * CDK stack's names) or `<prefix><key>-queue` (the SQS adapter's names).
 */
export function routingKeyOfRecord(record: SqsRecord, prefix: string): RoutingKey | undefined {
  const attribute = record.messageAttributes?.[HEADER.key]?.stringValue;
  if (isRoutingKey(attribute)) return attribute;
  let name = queueNameOfArn(record.eventSourceARN ?? '');
  if (prefix && name.startsWith(prefix)) name = name.slice(prefix.length);
  if (name.endsWith('-queue')) name = name.slice(0, -'-queue'.length);
  return isRoutingKey(name) ? name : undefined;
}
