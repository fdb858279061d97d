import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../../shared/openapi/build-document.js';
import { defineOperations } from '../../shared/openapi/operation.js';

/** Every public operation of the push function. */
export const PUSH_OPERATIONS = defineOperations([
  {
    method: 'get',
    path: '/api/v1/push/vapid-public-key',
    operationId: 'getVapidPublicKey',
    summary: 'The VAPID public key for `PushManager.subscribe()`',
    description: 'Pass it as `applicationServerKey`. Public and readable cross-origin (`Access-Control-Allow-Origin: *`).',
    tags: ['push'],
    auth: 'none',
    responses: {
      200: {
        description: 'VAPID public key',
        data: z.object({ public_key: z.string().describe('base64url uncompressed P-256 point') }),
      },
    },
  },
]);

/** The push function's OpenAPI document (`GET /openapi.json` on port 8004). */
export function buildPushOpenApi(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Notification platform: push function',
    version: '1.0.0',
    description: 'Delivers `push` messages through Web Push and FCM.',
    tags: { push: 'Web Push identity' },
    operations: PUSH_OPERATIONS,
  });
}
