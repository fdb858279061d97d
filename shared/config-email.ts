import { z } from 'zod';
import { booleanFlag, commaList, optionalString, optionalUrl, port, positiveInt } from './config-values.js';

const EMAIL_PROVIDERS = ['smtp', 'ses'] as const;

/** The variables of the email function (providers, SMTP pool, SES, unsubscribe links, SES feedback over SNS), merged into the one environment schema (`shared/config.ts`). */
export const emailEnv = {
  SMTP_HOST: optionalString,
  SMTP_PORT: port.optional(),
  SMTP_USER: optionalString,
  SMTP_PASS: optionalString,
  SMTP_SECURE: booleanFlag,
  EMAIL_FROM: z.string().min(3).default('Notifications <notifications@localhost>'),
  EMAIL_PROVIDERS: commaList(z.enum(EMAIL_PROVIDERS)).transform((list) =>
    list.length > 0 ? list : (['smtp'] as Array<(typeof EMAIL_PROVIDERS)[number]>),
  ),
  SES_ENDPOINT: optionalUrl,
  SES_REGION: optionalString,
  EMAIL_CONCURRENCY: positiveInt.default(32),
  SMTP_POOL_SIZE: positiveInt.default(5),
  SMTP_TIMEOUT_MS: positiveInt.default(10_000),
  SMTP_SEND_RATE: z.coerce.number().min(0).default(0),
  SES_SEND_RATE: z.coerce.number().min(0).default(14),
  SES_CONFIGURATION_SET: optionalString,
  EMAIL_BREAKER_RESET_MS: positiveInt.default(30_000),
  EMAIL_BREAKER_VOLUME: positiveInt.default(5),
  PUBLIC_BASE_URL: z.url().default('http://localhost:8000'),
  EMAIL_UNSUBSCRIBE_MAILTO: optionalString.pipe(z.email().optional()),
  EMAIL_TRANSACTIONAL_CATEGORIES: z
    .string()
    .default('security')
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    ),
  UNSUBSCRIBE_LINK_TTL_DAYS: positiveInt.default(90),
  SNS_VERIFY_SIGNATURES: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default('true')
    .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  SNS_SUBSCRIBE_HOST_ALLOWLIST: commaList(z.string().min(1)),
  SES_SNS_TOPIC_ARNS: commaList(z.string().regex(/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/, 'expected SNS topic ARNs')),
};

type EmailEnv = z.output<ReturnType<typeof z.object<typeof emailEnv>>>;

/** The email function's settings (`Config['email']`). */
export interface EmailSettings {
  from: string;
  providers: Array<(typeof EMAIL_PROVIDERS)[number]>;
  smtp: {
    host: string | undefined;
    port: number | undefined;
    user: string | undefined;
    pass: string | undefined;
    secure: boolean;
  };
  ses: { endpoint: string | undefined; region: string | undefined };
  /** Messages the email consumer handles at once per replica. */
  concurrency: number;
  /** Pooled SMTP connections, the timeout of each SMTP step, and sends per second (0 = unlimited, shared by replicas). */
  smtpPool: { size: number; timeoutMs: number; sendRatePerSecond: number };
  /** SES sends per second (the account's MaxSendRate), shared by replicas. */
  sesSendRatePerSecond: number;
  /** SES configuration set whose SNS event destination feeds `POST /api/v1/email/events`. */
  sesConfigurationSet: string | undefined;
  /** Per-provider circuit breaker: calls before it may open, and how long it stays open before a probe. */
  breaker: { volumeThreshold: number; resetMs: number };
  /** One-click unsubscribe links (RFC 8058) served by the user function behind `publicBaseUrl`. */
  unsubscribe: { publicBaseUrl: string; mailto: string | undefined; ttlDays: number; transactionalCategories: string[] };
  /**
   * SES events over SNS: verify signatures; extra SubscribeURL hosts trusted (tests, emulators); the
   * topics whose messages are taken (SES_SNS_TOPIC_ARNS; none listed, none taken).
   */
  sns: { verifySignatures: boolean; subscribeHostAllowlist: string[]; topicArns: string[] };
}

/** Problems of the email settings: SMTP credentials by halves; SES in production without its feedback topics. */
export function emailProblems(e: EmailEnv, production: boolean): string[] {
  const problems: string[] = [];
  if (production && e.EMAIL_PROVIDERS.includes('ses') && e.SES_SNS_TOPIC_ARNS.length === 0)
    problems.push('SES_SNS_TOPIC_ARNS: required when EMAIL_PROVIDERS includes ses and NODE_ENV=production (the feedback topics)');
  if (Boolean(e.SMTP_USER) !== Boolean(e.SMTP_PASS)) problems.push('SMTP_USER, SMTP_PASS: set both or neither');
  return problems;
}

export function emailSettings(e: EmailEnv): EmailSettings {
  return {
    from: e.EMAIL_FROM,
    providers: e.EMAIL_PROVIDERS,
    smtp: { host: e.SMTP_HOST, port: e.SMTP_PORT, user: e.SMTP_USER, pass: e.SMTP_PASS, secure: e.SMTP_SECURE },
    ses: { endpoint: e.SES_ENDPOINT, region: e.SES_REGION },
    concurrency: e.EMAIL_CONCURRENCY,
    smtpPool: { size: e.SMTP_POOL_SIZE, timeoutMs: e.SMTP_TIMEOUT_MS, sendRatePerSecond: e.SMTP_SEND_RATE },
    sesSendRatePerSecond: e.SES_SEND_RATE,
    sesConfigurationSet: e.SES_CONFIGURATION_SET,
    breaker: { volumeThreshold: e.EMAIL_BREAKER_VOLUME, resetMs: e.EMAIL_BREAKER_RESET_MS },
    unsubscribe: {
      publicBaseUrl: e.PUBLIC_BASE_URL,
      mailto: e.EMAIL_UNSUBSCRIBE_MAILTO,
      ttlDays: e.UNSUBSCRIBE_LINK_TTL_DAYS,
      transactionalCategories: e.EMAIL_TRANSACTIONAL_CATEGORIES,
    },
    sns: {
      verifySignatures: e.SNS_VERIFY_SIGNATURES,
      subscribeHostAllowlist: e.SNS_SUBSCRIBE_HOST_ALLOWLIST,
      topicArns: e.SES_SNS_TOPIC_ARNS,
    },
  };
}
