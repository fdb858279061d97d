import { z } from 'zod';

/**
 * Every status a notification can have (the gateway's `STATUS_RANK` orders
 * them). `bounced` and `complained` come from the provider's feedback after
 * the send, so they may follow `delivered`.
 */
export const NOTIFICATION_STATUSES = [
  'pending',
  /** Held for the recipient's quiet hours; queued when they end (the release time is in the timeline). */
  'deferred',
  'queued',
  'sending',
  'failed',
  'delivered',
  /** An in-app item the user has read (after `delivered`). */
  'read',
  'bounced',
  'complained',
  'skipped',
  'suppressed',
  'cancelled',
] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];
export const notificationStatusSchema = z.enum(NOTIFICATION_STATUSES);

/** What a delivery report from outside may say (`POST /api/v1/{channel}/status`, the original contract). */
export const REPORTED_STATUSES = ['delivered', 'pending', 'failed'] as const satisfies readonly NotificationStatus[];

/** The statuses intake answers: queued for delivery, or recorded without it. */
export const INTAKE_STATUSES = ['pending', 'deferred', 'skipped', 'suppressed'] as const satisfies readonly NotificationStatus[];
export type IntakeStatus = (typeof INTAKE_STATUSES)[number];

/** Why intake recorded a notification without delivering it (`reason` of the answer, `status_reason` of the notification). */
export const INTAKE_REASONS = [
  'opted_out',
  'address_suppressed',
  'quiet_hours',
  /** A fan-out's subscriber past their per-user rate limit (a single intake answers 429 instead). */
  'rate_limited',
] as const;
export type IntakeReason = (typeof INTAKE_REASONS)[number];
