import type { Env } from '../../shared/config.js';
import { bootLambdaFunction, type LambdaBootContext } from '../../shared/runtime/lambda-function.js';
import { createLambdaHandler, type LambdaHandler } from '../../shared/runtime/lambda-handler.js';
import { createRecordStatus } from './consumer.js';
import { gatewayFunction } from './function.js';
import { createGatewayStore } from './gateway-store.js';
import { createOutboxRelay } from './outbox/outbox-relay.js';
import { createStatusRecorder } from './status/status-recorder.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The gateway's Lambda-only parts. A frozen instance runs no relay loop, so
 * the outbox is drained before an HTTP invocation that may have written to
 * it returns, and by a scheduled invocation (the safety net for a drain that
 * failed or an instance that died between commit and drain). The `status`
 * consumer is built as `function.ts` builds it; the `in_app` and `webhook`
 * workers are the ones `function.ts` built.
 */
function gatewayLambdaParts({ infra, running }: LambdaBootContext) {
  const { database, queue, logger, config } = infra;
  const store = createGatewayStore(database.db);
  const relay = createOutboxRelay({ store, queue, logger, batchSize: config.gateway.outboxBatchSize });
  return {
    consumers: {
      status: createRecordStatus(createStatusRecorder({ store, logger })),
      ...(running.handlers?.in_app && { in_app: running.handlers.in_app }),
      ...(running.handlers?.webhook && { webhook: running.handlers.webhook }),
    },
    async afterHttp({ method }: { method: string }) {
      if (!SAFE_METHODS.has(method.toUpperCase())) await relay.drain();
    },
    async onSchedule() {
      return { drained: await relay.drain() };
    },
  };
}

/** The gateway's Lambda entry: HTTP API / function URL, `status` SQS batches, scheduled outbox drains. */
export function createGatewayLambda(env?: Env): LambdaHandler {
  return createLambdaHandler(() =>
    // start() would run the relay loop and a status poller: Lambda gets the parts above instead
    bootLambdaFunction(gatewayFunction, { ...(env && { env }), captureConsumers: false, extend: gatewayLambdaParts }),
  );
}

// The one module-level instance: Lambda keeps this module loaded between invocations of an instance,
// so the booted function (pools, caches) lives in this handler's closure from the cold start on.
export const handler = createGatewayLambda();
