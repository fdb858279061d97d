import { z } from 'zod';
import { commaList } from './config-values.js';

/** Which webhook URLs the worker may call (the shared safe outbound client's policy). */
export interface WebhookSettings {
  /**
   * Any public host over https; `localHosts` (WEBHOOK_LOCAL_HOSTS) may
   * resolve to loopback or private addresses, and over http, outside
   * production only. Development defaults to localhost; tests and
   * production name theirs or have none.
   */
  outboundPolicy: { localHosts: string[]; httpForLocalHosts: boolean };
  /** Deadline of one attempt (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** An endpoint whose every attempt has failed for this long is disabled (WEBHOOK_DISABLE_AFTER_HOURS). */
  disableAfterMs: number;
  /** How long an endpoint's open circuit sends nothing before one probe (WEBHOOK_CIRCUIT_RESET_MS). */
  circuitResetMs: number;
}

/** The variables of outbound webhooks, merged into the one environment schema (`shared/config.ts`). */
export const webhookEnv = {
  /** Hosts a webhook URL may name although they are local (development: a receiver on this machine). */
  WEBHOOK_LOCAL_HOSTS: commaList(z.string().min(1)),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** Five days by default: longer than the retries of one delivery (about a day), so only a lasting outage disables. */
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(120),
  /** At most 15 minutes: a postponed delivery is a delayed publish, and SQS delays no longer. */
  WEBHOOK_CIRCUIT_RESET_MS: z.coerce.number().int().min(100).max(900_000).default(60_000),
};

type WebhookEnv = { [K in keyof typeof webhookEnv]: z.output<(typeof webhookEnv)[K]> };

const DEV_LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

export function webhookSettings(e: WebhookEnv, nodeEnv: 'development' | 'production' | 'test'): WebhookSettings {
  return {
    outboundPolicy: {
      localHosts: e.WEBHOOK_LOCAL_HOSTS.length > 0 || nodeEnv !== 'development' ? e.WEBHOOK_LOCAL_HOSTS : DEV_LOCAL_HOSTS,
      httpForLocalHosts: nodeEnv !== 'production',
    },
    timeoutMs: e.WEBHOOK_TIMEOUT_MS,
    disableAfterMs: e.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
    circuitResetMs: e.WEBHOOK_CIRCUIT_RESET_MS,
  };
}
