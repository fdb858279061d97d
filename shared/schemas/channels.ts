import { z } from 'zod';

/**
 * The delivery channels: the one list every schema, table type, route and
 * document derives from. A new channel is added here (and, for the
 * templates table's check constraint, in a migration).
 */
export const CHANNELS = ['email', 'push', 'in_app'] as const;
export type Channel = (typeof CHANNELS)[number];

export const channelSchema = z.enum(CHANNELS);
