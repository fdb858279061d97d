import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { withSpan } from '../../../shared/tracing/with-span.js';
import type { PushSender } from './push-sender.js';

const CLIENT_SPAN = { kind: SpanKind.CLIENT };
const SPAN_NAME = { web_push: 'web_push send', fcm: 'fcm send' } as const;

/**
 * Decorate a {@link PushSender} so every send to a device is a client span
 * (`web_push send`, `fcm send`) in the trace of the message being handled,
 * with the push service's answer: its status code and what it came to.
 */
export function withPushTracing<S extends PushSender>(sender: S): S {
  return {
    ...sender,
    send: (device, notification, options) =>
      withSpan(SPAN_NAME[device.type], CLIENT_SPAN, context.active(), async (span) => {
        const result = await sender.send(device, notification, options);
        if (span.isRecording()) {
          span.setAttributes({
            'push.provider': result.provider,
            'push.device_id': device.id,
            'push.result': result.kind,
            'notification.id': notification.notification_id,
            ...(result.statusCode !== undefined && { 'http.response.status_code': result.statusCode }),
          });
          if (result.kind !== 'delivered') span.setStatus({ code: SpanStatusCode.ERROR, message: result.reason });
        }
        return result;
      }),
  };
}
