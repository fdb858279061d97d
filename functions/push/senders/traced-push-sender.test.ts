import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config.js';
import { setupTracing, type Tracing } from '../../../shared/tracing/setup-tracing.js';
import { contextFromTraceparent } from '../../../shared/tracing/trace-context.js';
import { withSpan } from '../../../shared/tracing/with-span.js';
import { type FakeFcmServer, startFakeFcmServer } from '../test-support/fake-fcm-server.js';
import { createServiceAccountTokenSource, parseServiceAccount } from './fcm-auth.js';
import { createFcmSender } from './fcm-sender.js';
import type { PushDevice, PushNotification, PushSender } from './push-sender.js';
import { withPushTracing } from './traced-push-sender.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const note: PushNotification = { notification_id: '8f0c2b7e-0d1e-4a53-8f4b-2b9f0f7c1a11', title: 'Hello', body: 'World' };
const options = { ttlSeconds: 600, urgency: 'normal' as const };
const device = (n: number): PushDevice => ({
  id: `d${n}`,
  type: 'fcm',
  push_token: `fcm-token-${n}-${'a'.repeat(40)}`,
  platform: 'android',
});

describe('push sends as client spans (FCM wire protocol, real SDK)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let fcm: FakeFcmServer;
  let sender: PushSender;
  beforeAll(async () => {
    tracing = setupTracing({ config: loadConfig({}).tracing, serviceName: 'test', exporter });
    fcm = await startFakeFcmServer();
    const tokens = createServiceAccountTokenSource({ account: parseServiceAccount(fcm.serviceAccountJson), timeoutMs: 2000 });
    sender = withPushTracing(createFcmSender({ projectId: fcm.projectId, tokens, endpoint: fcm.url, timeoutMs: 2000 }));
  });
  afterAll(async () => {
    await fcm.close();
    await tracing.shutdown();
  });

  it('records each send in the handling trace with what the push service answered', async () => {
    fcm.fail((device(2) as { push_token: string }).push_token, 'UNREGISTERED', { times: 1 });
    const parent = contextFromTraceparent(`00-${TRACE_ID}-00f067aa0ba902b7-01`)!;

    const consumer = await withSpan('process push', { kind: SpanKind.CONSUMER }, parent, async (span) => {
      await sender.send(device(1), note, options);
      await sender.send(device(2), note, options);
      return span.spanContext().spanId;
    });

    const sends = exporter.getFinishedSpans().filter((s) => s.name === 'fcm send');
    expect(sends).toHaveLength(2);
    for (const span of sends) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.parentSpanContext?.spanId).toBe(consumer);
    }
    expect(sends[0]!.attributes).toMatchObject({
      'push.provider': 'fcm',
      'push.result': 'delivered',
      'http.response.status_code': 200,
      'notification.id': note.notification_id,
    });
    expect(sends[1]!.attributes).toMatchObject({
      'push.result': 'gone',
      'http.response.status_code': 404,
      'push.device_id': 'd2',
    });
    expect(sends[1]!.status.code).toBe(SpanStatusCode.ERROR);
  });
});
