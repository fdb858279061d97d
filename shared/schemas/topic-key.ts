import { z } from 'zod';

/** A topic's key: what senders name (`topic_key` of a topic, and of a notification sent to it). */
export const topicKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'must be 1-100 letters, digits, _ . : - (starting with a letter or digit)');
