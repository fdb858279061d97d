import { UnprocessableError } from '../../../shared/errors.js';

/** The ways a notification may name whom it goes to: one recipient, or every subscriber of a topic. */
export const RECIPIENT_FIELDS = ['user_id', 'external_id', 'topic_key'] as const;
type RecipientField = (typeof RECIPIENT_FIELDS)[number];

const listed = (fields: readonly string[]) =>
  fields.length === 1 ? fields[0]! : `${fields.slice(0, -1).join(', ')} or ${fields.at(-1)}`;

/** A request names whom it goes to exactly once (422 otherwise). */
export class RecipientChoiceError extends UnprocessableError {
  constructor(given: string[], allowed: readonly string[]) {
    super(
      'invalid_recipient',
      given.length === 0
        ? `Name the recipient: give ${listed(allowed)}`
        : given.includes('topic_key') && !allowed.includes('topic_key')
          ? 'topic_key is for POST /api/v1/notifications alone (one topic a request), not here'
          : `Name the recipient once: give ${listed(allowed)}, not ${given.join(' and ')}`,
      { details: { given } },
    );
  }
}

/**
 * The error answering a body that names its recipient other than exactly
 * once among `allowed`, or undefined when it names one.
 */
export function recipientChoiceError(
  body: Partial<Record<RecipientField, unknown>>,
  allowed: readonly RecipientField[] = RECIPIENT_FIELDS,
) {
  const given = RECIPIENT_FIELDS.filter((field) => body[field] !== undefined);
  return given.length === 1 && allowed.includes(given[0]!) ? undefined : new RecipientChoiceError(given, allowed);
}
