import { z } from 'zod';

/**
 * The CLI's settings. It is a client tool, not a function, so it reads its
 * own two variables here rather than through `shared/config.ts`; this is the
 * only place in `client/` that looks at the environment (handed in as `env`).
 */
export interface CliConfig {
  /** Gateway base URL (`NOTIFY_URL`, default http://localhost:8000). */
  url: string;
  /** API key or access token (`NOTIFY_API_KEY`). */
  apiKey: string | undefined;
}

export const DEFAULT_NOTIFY_URL = 'http://localhost:8000';

const cliEnv = z.object({
  NOTIFY_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).default(DEFAULT_NOTIFY_URL),
  NOTIFY_API_KEY: z.string().min(1).optional(),
});

/** Read the CLI's settings; throws one error naming every bad variable. */
export function loadCliConfig(env: Record<string, string | undefined>): CliConfig {
  const parsed = cliEnv.safeParse({ NOTIFY_URL: env.NOTIFY_URL || undefined, NOTIFY_API_KEY: env.NOTIFY_API_KEY || undefined });
  if (!parsed.success) {
    throw new Error(`bad environment: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  return { url: parsed.data.NOTIFY_URL, apiKey: parsed.data.NOTIFY_API_KEY };
}
