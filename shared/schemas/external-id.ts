import { z } from 'zod';

/**
 * The customer's own id for a recipient (`external_id`), wherever a `user_id`
 * is accepted: 1-200 visible characters, no control characters or
 * surrounding spaces.
 */
export const externalId = z
  .string()
  .min(1, 'must not be empty')
  .max(200)
  .regex(
    /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u,
    'must be visible characters, without control characters or surrounding spaces',
  );
