import { z } from 'zod';
import type { AppError } from '../../../shared/errors.js';
import { ValidationError } from '../../../shared/errors.js';
import { toFieldIssues } from '../../../shared/http/validate.js';
import type { ImportOutcome, RecipientImport } from './recipient-import.js';
import { recipientInput } from './user.schemas.js';

/** One item of the 207 answer: the envelope of that recipient, with its position and status. */
const bulkImportItem = z.union([
  z.object({
    index: z.int(),
    status_code: z.union([z.literal(200), z.literal(201)]),
    success: z.literal(true),
    data: z.object({
      id: z.uuid(),
      external_id: z.string().nullable(),
      email: z.email(),
      name: z.string(),
      created: z.boolean(),
    }),
    message: z.string(),
  }),
  z.object({
    index: z.int(),
    status_code: z.int(),
    success: z.literal(false),
    error: z.string(),
    message: z.string(),
    meta: z.record(z.string(), z.unknown()),
  }),
]);
type BulkImportItem = z.infer<typeof bulkImportItem>;

/** The whole 207 body of `POST /api/v1/users/bulk` (the route writes it, the OpenAPI document shows it). */
export const bulkImportAnswer = z.object({
  success: z.literal(true),
  data: z.object({ created: z.int(), updated: z.int(), rejected: z.int(), items: z.array(bulkImportItem) }),
  message: z.string(),
});

const failed = (index: number, error: AppError): BulkImportItem => ({
  index,
  status_code: error.status,
  success: false,
  error: error.code,
  message: error.message,
  meta: error.details ?? {},
});

function itemOf(outcome: ImportOutcome): BulkImportItem {
  if ('error' in outcome) return failed(outcome.index, outcome.error);
  const { user, created } = outcome;
  return {
    index: outcome.index,
    status_code: created ? 201 : 200,
    success: true,
    data: { id: user.id, external_id: user.externalId, email: user.email, name: user.name, created },
    message: created ? 'Recipient created' : 'Recipient updated',
  };
}

/**
 * `POST /api/v1/users/bulk`: each recipient is validated on its own (a bad
 * one fails alone, 400 with its fields), the valid ones are upserted
 * together, and the answer lists every item in the order given, like the
 * batch intake's 207.
 */
export async function bulkImportResponse(recipients: RecipientImport, raw: unknown[]): Promise<z.infer<typeof bulkImportAnswer>> {
  const items: BulkImportItem[] = new Array(raw.length);
  const valid: Parameters<RecipientImport['upsert']>[0] = [];
  raw.forEach((value, index) => {
    const parsed = recipientInput.safeParse(value);
    if (parsed.success) valid.push({ index, input: parsed.data });
    else items[index] = failed(index, new ValidationError(toFieldIssues(parsed.error), `recipient ${index}`));
  });
  for (const outcome of await recipients.upsert(valid)) items[outcome.index] = itemOf(outcome);
  const created = items.filter((i) => i.status_code === 201).length;
  const updated = items.filter((i) => i.status_code === 200).length;
  return {
    success: true,
    data: { created, updated, rejected: items.length - created - updated, items },
    message: `${created} created, ${updated} updated, ${items.length - created - updated} rejected`,
  };
}
