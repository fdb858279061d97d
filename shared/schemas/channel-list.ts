import { z } from 'zod';
import { CHANNELS, type Channel, channelSchema } from './channels.js';

/**
 * `notification_type` of a send: one channel, or an ordered list of distinct
 * channels to fall back along (the first that can deliver is used).
 */
export const channelChoiceSchema = z.union(
  [
    channelSchema,
    z
      .array(channelSchema)
      .min(1, 'a channel list needs at least one channel')
      .max(CHANNELS.length, `at most ${CHANNELS.length} channels`)
      .refine((list) => new Set(list).size === list.length, 'each channel may appear only once in the list'),
  ],
  {
    error: (issue) =>
      Array.isArray(issue.input)
        ? `every channel of the list must be one of ${CHANNELS.join(', ')}`
        : `must be one of ${CHANNELS.join(', ')}, or an ordered list of them`,
  },
);
export type ChannelChoice = z.output<typeof channelChoiceSchema>;

/** The channels of a choice, in order (one for the string form). */
export function channelsOf(choice: ChannelChoice): Channel[] {
  return typeof choice === 'string' ? [choice] : choice;
}
