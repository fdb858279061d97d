import { z } from 'zod';
import { defineOperations } from '../../../shared/openapi/operation.js';
import { suppressionJson, suppressionParam, suppressionsQuery } from './suppressions.schemas.js';

/** The suppression list routes (`suppressions.routes.ts`). */
export const SUPPRESSION_OPERATIONS = defineOperations([
  {
    method: 'get',
    path: '/api/v1/suppressions',
    operationId: 'listSuppressions',
    summary: 'Addresses no mail goes to',
    description:
      'Hard bounces and complaints, each about the recipient the platform stored for the notification that was reported. By address.',
    tags: ['admin'],
    auth: 'admin',
    request: { query: suppressionsQuery },
    responses: { 200: { description: 'A page of suppressions', data: z.array(suppressionJson), list: true } },
    examples: { query: { page: '1', limit: '20' } },
  },
  {
    method: 'delete',
    path: '/api/v1/suppressions/:email',
    operationId: 'removeSuppression',
    summary: 'Lift the suppression of one address',
    description: 'Mail to the address is sent again. 404 when it was not suppressed.',
    tags: ['admin'],
    auth: 'admin',
    request: { params: suppressionParam },
    responses: { 200: { description: 'Lifted', data: z.object({ address: z.string() }) } },
    errors: [404],
    examples: { params: { email: 'ada@example.com' } },
  },
]);
