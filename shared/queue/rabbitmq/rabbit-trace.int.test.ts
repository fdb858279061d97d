// @requires AMQP_URL
import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logging/logger.js';
import { setupTracing, type Tracing } from '../../tracing/setup-tracing.js';
import { activeTraceparent } from '../../tracing/trace-context.js';
import { withSpan } from '../../tracing/with-span.js';
import { done, type Queue } from '../queue.js';
import { createRabbitQueue } from './rabbit-queue.js';
import { dropRabbitTopology, rabbitTopology } from './topology.js';

const url = process.env.AMQP_URL!;
const prefix = `trace-${randomUUID().slice(0, 8)}.`;
const names = rabbitTopology(prefix);

describe('trace context over RabbitMQ', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let queue: Queue;
  let connection: amqp.ChannelModel;
  beforeAll(async () => {
    tracing = setupTracing({ config: loadConfig({}).tracing, serviceName: 'test', exporter });
    queue = createRabbitQueue({ url, prefix, logger: createLogger({ level: 'silent', name: 'test' }) });
    connection = await amqp.connect(url);
  });
  afterAll(async () => {
    await queue.close();
    await connection.close();
    await dropRabbitTopology(url, prefix);
    await tracing.shutdown();
  });

  it('a message published inside a span carries its traceparent as an AMQP header; the consumer span is its child', async () => {
    const notificationId = randomUUID();
    // a worker reporting status while it handles a delivery: the active span is the producer
    const producer = await withSpan('process email', { kind: SpanKind.CONSUMER }, ROOT_CONTEXT, async () => {
      await queue.publish('status', {
        notification_id: notificationId,
        status: 'sending',
        channel: 'email',
        timestamp: new Date().toISOString(),
        attempt: 1,
      });
      return activeTraceparent()!;
    });

    // on the broker, as any AMQP client sees it
    const channel = await connection.createChannel();
    const raw = await channel.get(names.queue('status'), { noAck: false });
    expect(raw ? raw.properties.headers?.traceparent : undefined).toBe(producer);
    if (raw) channel.nack(raw, false, true);
    await channel.close();

    const handled: string[] = [];
    await queue.consume('status', async (message) => (handled.push(message.notification_id), done()));
    await vi.waitFor(() => expect(handled).toEqual([notificationId]));

    const [, traceId, producerSpanId] = producer.split('-');
    const consumer = await vi.waitFor(() => {
      const span = exporter.getFinishedSpans().find((s) => s.name === 'process status');
      expect(span).toBeDefined();
      return span!;
    });
    expect(consumer.spanContext().traceId).toBe(traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producerSpanId);
    expect(consumer.attributes).toMatchObject({ 'messaging.destination.name': 'status', 'notification.id': notificationId });
  });
});
