import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../../shared/openapi/build-document.js';
import { defineOperations } from '../../shared/openapi/operation.js';

/**
 * An SNS message as the intake reads it (mirror of `snsEnvelope` in
 * `ses-events.ts` until it is exported; examples run through the intake itself).
 */
const snsMessageDoc = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string().describe('For a Notification: the SES event (bounce, complaint, delivery) as JSON text'),
  Timestamp: z.string().min(1),
  SignatureVersion: z.string(),
  Signature: z.string(),
  SigningCertURL: z.string(),
  Subject: z.string().optional(),
  Token: z.string().optional(),
  SubscribeURL: z.string().optional(),
});

const intakeResult = z.union([
  z.object({ type: z.literal('subscription_confirmed'), topic_arn: z.string() }),
  z.object({ type: z.literal('ignored'), reason: z.string() }),
  z.object({ type: z.literal('events'), published: z.int() }),
]);

/** An SES delivery event for notification `...4a30`, wrapped by SNS. */
export const EXAMPLE_SNS_NOTIFICATION = {
  Type: 'Notification',
  MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
  TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-feedback',
  Message: JSON.stringify({
    eventType: 'Delivery',
    mail: {
      messageId: '0100018f-ses-message-id',
      headers: [{ name: 'X-Notification-Id', value: '3f0b1c9e-8a4d-4e2b-9c1a-2b7d6e5f4a30' }],
      tags: { notification_id: ['3f0b1c9e-8a4d-4e2b-9c1a-2b7d6e5f4a30'] },
    },
    delivery: { timestamp: '2025-01-01T12:00:00.000Z', recipients: ['ada@example.com'], smtpResponse: '250 2.0.0 OK' },
  }),
  Timestamp: '2025-01-01T12:00:01.000Z',
  SignatureVersion: '2',
  Signature: 'EXAMPLE',
  SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem',
};

/** Every public operation of the email function. */
export const EMAIL_OPERATIONS = defineOperations([
  {
    method: 'post',
    path: '/api/v1/email/events',
    operationId: 'receiveSesEvents',
    summary: 'SES feedback (bounces, complaints, deliveries) delivered by SNS',
    description:
      'SNS posts its JSON as `text/plain`. The signature is verified (unless switched off), subscription confirmations are confirmed, and each SES event becomes a `status` message; permanent bounces and complaints suppress the address.',
    tags: ['email events'],
    auth: 'none',
    request: { body: snsMessageDoc, contentType: 'text/plain' },
    responses: { 200: { description: 'Handled (also when ignored, so SNS does not redeliver)', data: intakeResult } },
    examples: { body: EXAMPLE_SNS_NOTIFICATION },
  },
]);

/** The email function's OpenAPI document (`GET /openapi.json` on port 8003). */
export function buildEmailOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Notification platform: email function',
    version: '1.0.0',
    description: 'Delivers `email` messages through SMTP / SES; takes SES feedback over SNS.',
    tags: { 'email events': 'Provider feedback' },
    operations: EMAIL_OPERATIONS,
  });
}
