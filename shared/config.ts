import { z } from 'zod';

/**
 * The one reader of `process.env`. Every setting of every function is named
 * here, validated with zod, and handed to the code that needs it as a typed
 * {@link Config}. Handlers never see the environment.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const QUEUE_DRIVERS = ['memory', 'rabbitmq', 'sqs'] as const;
const EMAIL_PROVIDERS = ['smtp', 'ses'] as const;
const TRACE_EXPORTERS = ['none', 'otlp', 'console'] as const;

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const optionalUrl = optionalString.pipe(z.url().optional());

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .optional()
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const commaList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item));

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DATA_DIR: z.string().min(1).default('./.data'),
  PORT: port.optional(),

  DATABASE_URL: optionalUrl,
  REDIS_URL: optionalUrl,
  QUEUE_DRIVER: z.enum(QUEUE_DRIVERS).optional(),
  AMQP_URL: optionalUrl,
  AMQP_QUEUE_PREFIX: z.string().default(''),
  SQS_ENDPOINT: optionalUrl,
  SQS_QUEUE_PREFIX: z.string().default(''),
  SQS_CREATE_QUEUES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  AWS_REGION: z.string().min(1).default('us-east-1'),

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
  EMAIL_TRANSACTIONAL_CATEGORIES: z.string().default('security').transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean)),
  UNSUBSCRIBE_LINK_TTL_DAYS: positiveInt.default(90),
  SNS_VERIFY_SIGNATURES: z.enum(['true', 'false', '1', '0', 'yes', 'no']).default('true').transform((v) => v === 'true' || v === '1' || v === 'yes'),
  SNS_SUBSCRIBE_HOST_ALLOWLIST: commaList(z.string().min(1)),

  VAPID_PUBLIC_KEY: optionalString,
  VAPID_PRIVATE_KEY: optionalString,
  VAPID_SUBJECT: optionalString,

  USER_SERVICE_URL: optionalUrl,
  TEMPLATE_SERVICE_URL: optionalUrl,
  GATEWAY_URL: optionalUrl,
  EMAIL_SERVICE_URL: optionalUrl,
  PUSH_SERVICE_URL: optionalUrl,
  RATE_LIMIT_PER_KEY_PER_MINUTE: positiveInt.default(60_000),
  RATE_LIMIT_PER_USER_PER_MINUTE: positiveInt.default(120),
  OUTBOX_BATCH_SIZE: positiveInt.default(500),

  ADMIN_API_KEY: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  JWT_TTL_SECONDS: positiveInt.default(3600),

  BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  PUSH_ENDPOINT_ALLOWLIST: commaList(z.string().min(1)),
  PUSH_CONCURRENCY: positiveInt.default(32),
  PUSH_DEFAULT_TTL_SECONDS: z.coerce.number().int().min(0).max(2_419_200).default(86_400),
  PUSH_DEFAULT_URGENCY: z.enum(['very-low', 'low', 'normal', 'high']).default('normal'),
  PUSH_REQUEST_TIMEOUT_MS: positiveInt.default(10_000),
  PUSH_CA_FILE: optionalString,
  FCM_SERVICE_ACCOUNT_PATH: optionalString,
  FCM_SERVICE_ACCOUNT_JSON: optionalString,
  FCM_PROJECT_ID: optionalString,
  FCM_ENDPOINT: z.url().default('https://fcm.googleapis.com'),
  FCM_TOKEN_URL: optionalUrl,
  LOCAL_PUSH_SERVICE_PORT: port.default(8090),
  FUNCTIONS: commaList(z.enum(['gateway', 'user', 'template', 'email', 'push'])),
  CACHE_USER_TTL_SECONDS: positiveInt.default(30),

  OTEL_TRACES_EXPORTER: z.enum(TRACE_EXPORTERS).default('none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_HEADERS: commaList(z.string().regex(/^[^=]+=.*$/, 'expected name=value pairs separated by commas')),
  OTEL_SERVICE_NAME: optionalString,
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1),
});

export type Env = Record<string, string | undefined>;

/** The process environment: for entry points and test setup that pass it on explicitly. */
export function processEnv(): Env {
  return process.env;
}

/** Validated, typed configuration shared by every function. */
export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: (typeof LOG_LEVELS)[number];
  dataDir: string;
  /** Functions `npm start` runs in its process (FUNCTIONS; all when unset). */
  functions: Array<'gateway' | 'user' | 'template' | 'email' | 'push'>;
  port: number | undefined;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  queue: {
    driver: (typeof QUEUE_DRIVERS)[number];
    amqpUrl: string | undefined;
    /** Prefix of every RabbitMQ exchange and queue name, so several deployments share one vhost. */
    amqpQueuePrefix: string;
    sqsEndpoint: string | undefined;
    sqsQueuePrefix: string;
    /** Create the SQS queues at start (off where infrastructure code owns them). */
    sqsCreateQueues: boolean;
    awsRegion: string;
  };
  email: {
    from: string;
    providers: Array<(typeof EMAIL_PROVIDERS)[number]>;
    smtp: { host: string | undefined; port: number | undefined; user: string | undefined; pass: string | undefined; secure: boolean };
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
    /** SES events over SNS: verify signatures; extra SubscribeURL hosts trusted (tests, emulators). */
    sns: { verifySignatures: boolean; subscribeHostAllowlist: string[] };
  };
  vapid: { publicKey: string | undefined; privateKey: string | undefined; subject: string | undefined };
  services: {
    userUrl: string | undefined;
    templateUrl: string | undefined;
    gatewayUrl: string | undefined;
    emailUrl: string | undefined;
    pushUrl: string | undefined;
  };
  gateway: { rateLimitPerKeyPerMinute: number; rateLimitPerUserPerMinute: number; outboxBatchSize: number };
  auth: { adminApiKey: string | undefined; jwtSecret: string | undefined; jwtTtlSeconds: number };
  http: { bodyLimitBytes: number };
  push: {
    endpointAllowlist: string[];
    concurrency: number;
    defaultTtlSeconds: number;
    defaultUrgency: 'very-low' | 'low' | 'normal' | 'high';
    requestTimeoutMs: number;
    /** Extra CA (PEM file) trusted for push services; in development, the local push service's. */
    caFile: string | undefined;
    fcm: {
      serviceAccountPath: string | undefined;
      serviceAccountJson: string | undefined;
      projectId: string | undefined;
      endpoint: string;
      tokenUrl: string | undefined;
    };
    localServicePort: number;
  };
  cache: { userTtlSeconds: number };
  tracing: {
    /** Where finished spans go: nowhere (`none`; trace context is still propagated), an OTLP/HTTP collector, or stdout. */
    exporter: (typeof TRACE_EXPORTERS)[number];
    /** Full OTLP/HTTP traces URL (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`). */
    otlpTracesUrl: string;
    /** Extra headers of every export request (a collector's API key). */
    otlpHeaders: Record<string, string>;
    /** `service.name` of the spans; the entry point's function name when unset. */
    serviceName: string | undefined;
    /** Share of new traces recorded (0..1); a request that arrives with a trace follows its caller's decision. */
    sampleRatio: number;
  };
}

/** Thrown by {@link loadConfig}; lists every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** OTLP header names and values are percent-encoded (W3C baggage style); a stray `%` is kept as written. */
function decodeHeaderPart(part: string): string {
  try {
    return decodeURIComponent(part.trim());
  } catch {
    return part.trim();
  }
}

const DEV_PUSH_ALLOWLIST = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Parse and validate the environment. Throws one {@link ConfigError} naming
 * every bad variable; call it once in an entry point, never at import time.
 */
export function loadConfig(env: Env = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);

  if (parsed.success) {
    const e = parsed.data;
    if (e.NODE_ENV === 'production') {
      if (!e.ADMIN_API_KEY) problems.push('ADMIN_API_KEY: required when NODE_ENV=production');
      if (!e.JWT_SECRET) problems.push('JWT_SECRET: required when NODE_ENV=production');
    }
    if (e.QUEUE_DRIVER === 'rabbitmq' && !e.AMQP_URL) problems.push('AMQP_URL: required when QUEUE_DRIVER=rabbitmq');
    if (Boolean(e.SMTP_USER) !== Boolean(e.SMTP_PASS)) problems.push('SMTP_USER, SMTP_PASS: set both or neither');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    functions: e.FUNCTIONS.length > 0 ? e.FUNCTIONS : ['gateway', 'user', 'template', 'email', 'push'],
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    queue: {
      driver: e.QUEUE_DRIVER ?? (e.AMQP_URL ? 'rabbitmq' : 'memory'),
      amqpUrl: e.AMQP_URL,
      amqpQueuePrefix: e.AMQP_QUEUE_PREFIX,
      sqsEndpoint: e.SQS_ENDPOINT,
      sqsQueuePrefix: e.SQS_QUEUE_PREFIX,
      sqsCreateQueues: e.SQS_CREATE_QUEUES,
      awsRegion: e.AWS_REGION,
    },
    email: {
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
      sns: { verifySignatures: e.SNS_VERIFY_SIGNATURES, subscribeHostAllowlist: e.SNS_SUBSCRIBE_HOST_ALLOWLIST },
    },
    vapid: { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT },
    services: {
      userUrl: e.USER_SERVICE_URL,
      templateUrl: e.TEMPLATE_SERVICE_URL,
      gatewayUrl: e.GATEWAY_URL,
      emailUrl: e.EMAIL_SERVICE_URL,
      pushUrl: e.PUSH_SERVICE_URL,
    },
    gateway: {
      rateLimitPerKeyPerMinute: e.RATE_LIMIT_PER_KEY_PER_MINUTE,
      rateLimitPerUserPerMinute: e.RATE_LIMIT_PER_USER_PER_MINUTE,
      outboxBatchSize: e.OUTBOX_BATCH_SIZE,
    },
    auth: { adminApiKey: e.ADMIN_API_KEY, jwtSecret: e.JWT_SECRET, jwtTtlSeconds: e.JWT_TTL_SECONDS },
    http: { bodyLimitBytes: e.BODY_LIMIT_BYTES },
    push: {
      endpointAllowlist:
        e.PUSH_ENDPOINT_ALLOWLIST.length > 0 || e.NODE_ENV === 'production' ? e.PUSH_ENDPOINT_ALLOWLIST : DEV_PUSH_ALLOWLIST,
      concurrency: e.PUSH_CONCURRENCY,
      defaultTtlSeconds: e.PUSH_DEFAULT_TTL_SECONDS,
      defaultUrgency: e.PUSH_DEFAULT_URGENCY,
      requestTimeoutMs: e.PUSH_REQUEST_TIMEOUT_MS,
      caFile: e.PUSH_CA_FILE,
      fcm: {
        serviceAccountPath: e.FCM_SERVICE_ACCOUNT_PATH,
        serviceAccountJson: e.FCM_SERVICE_ACCOUNT_JSON,
        projectId: e.FCM_PROJECT_ID,
        endpoint: e.FCM_ENDPOINT,
        tokenUrl: e.FCM_TOKEN_URL,
      },
      localServicePort: e.LOCAL_PUSH_SERVICE_PORT,
    },
    cache: { userTtlSeconds: e.CACHE_USER_TTL_SECONDS },
    tracing: {
      exporter: e.OTEL_TRACES_EXPORTER,
      otlpTracesUrl: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`,
      otlpHeaders: Object.fromEntries(
        e.OTEL_EXPORTER_OTLP_HEADERS.map((pair) => {
          const at = pair.indexOf('=');
          return [decodeHeaderPart(pair.slice(0, at)), decodeHeaderPart(pair.slice(at + 1))];
        }),
      ),
      serviceName: e.OTEL_SERVICE_NAME,
      sampleRatio: e.OTEL_TRACES_SAMPLER_ARG,
    },
  };
}
