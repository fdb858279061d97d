import { z } from 'zod';
import { type EmailSettings, emailEnv, emailProblems, emailSettings } from './config-email.js';
import { passwordEnv, passwordProblems, passwordScryptCost, type ScryptCost } from './config-passwords.js';
import { type PushSettings, pushEnv, pushProblems, pushSettings, type VapidSettings, vapidSettings } from './config-push.js';
import { type TemplateLimits, templateEnv, templateLimits } from './config-templates.js';
import { booleanFlag, commaList, optionalString, optionalUrl, positiveInt } from './config-values.js';
import { type WebhookSettings, webhookEnv, webhookSettings } from './config-webhooks.js';
import { FUNCTION_NAMES, type FunctionName } from './runtime/function-names.js';

/**
 * The one reader of `process.env`. Every setting of every function is named
 * here, validated with zod, and handed to the code that needs it as a typed
 * {@link Config}. Handlers never see the environment.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const QUEUE_DRIVERS = ['postgres', 'memory', 'rabbitmq', 'sqs'] as const;
/** RabbitMQ queue types the adapter declares: `classic` (one priority queue per key) or `quorum` (replicated, one queue per priority band). */
export const AMQP_QUEUE_TYPES = ['classic', 'quorum'] as const;
export type AmqpQueueType = (typeof AMQP_QUEUE_TYPES)[number];
const TRACE_EXPORTERS = ['none', 'otlp', 'console'] as const;

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  DATA_DIR: z.string().min(1).default('./.data'),
  // 0: any free port (tests), the bound one is logged
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface the HTTP servers bind: loopback unless told (containers set 0.0.0.0). */
  HOST: z.string().min(1).default('127.0.0.1'),

  DATABASE_URL: optionalUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  REDIS_URL: optionalUrl,
  QUEUE_DRIVER: z.enum(QUEUE_DRIVERS).optional(),
  AMQP_URL: optionalUrl,
  AMQP_QUEUE_PREFIX: z.string().default(''),
  AMQP_QUEUE_TYPE: z.enum(AMQP_QUEUE_TYPES).default('classic'),
  SQS_ENDPOINT: optionalUrl,
  SQS_QUEUE_PREFIX: z.string().default(''),
  SQS_CREATE_QUEUES: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  ...emailEnv,

  USER_SERVICE_URL: optionalUrl,
  TEMPLATE_SERVICE_URL: optionalUrl,
  GATEWAY_URL: optionalUrl,
  EMAIL_SERVICE_URL: optionalUrl,
  PUSH_SERVICE_URL: optionalUrl,
  RATE_LIMIT_PER_KEY_PER_MINUTE: positiveInt.default(60_000),
  RATE_LIMIT_PER_USER_PER_MINUTE: positiveInt.default(120),
  /** Notifications of this priority or above are sent inside a recipient's quiet hours too. */
  QUIET_HOURS_BYPASS_PRIORITY: z.coerce.number().int().min(0).max(11).default(8),
  OUTBOX_BATCH_SIZE: positiveInt.default(500),
  /** Subscribers a fan-out writes per transaction (one page of the topic). */
  FANOUT_PAGE_SIZE: positiveInt.default(500),
  /** How long a gateway holds a fan-out between pages; one that died holding it loses it after this. */
  FANOUT_LEASE_MS: positiveInt.default(30_000),
  /** How long a gateway holds a workflow run while it takes its steps; one that died holding it loses it after this. */
  WORKFLOW_LEASE_MS: positiveInt.default(30_000),
  /** Lifetime of an inbox embed token (`POST /api/v1/inbox/tokens`). */
  INBOX_TOKEN_TTL_SECONDS: positiveInt.default(3600),
  /** How often an idle inbox stream sends a heartbeat. */
  INBOX_HEARTBEAT_MS: positiveInt.default(15_000),

  ADMIN_API_KEY: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  JWT_TTL_SECONDS: positiveInt.default(3600),
  ...passwordEnv,
  ...templateEnv,
  ...webhookEnv,
  INTERNAL_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),

  BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  ...pushEnv,
  FUNCTIONS: commaList(z.enum(FUNCTION_NAMES)),
  START_PORTS: commaList(z.string().regex(new RegExp(`^(${FUNCTION_NAMES.join('|')})=\\d{1,5}$`), 'expected name=port pairs')),
  START_ANY_PORTS: booleanFlag,
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
  functions: FunctionName[];
  /** Ports `npm start` listens on instead of 8000-8004 (START_PORTS: `gateway=9000,user=9001`). */
  startPorts: Partial<Record<FunctionName, number>>;
  /** `npm start` lets the system pick each function's port and prints it (START_ANY_PORTS; tests running several at once). */
  startAnyPorts: boolean;
  port: number | undefined;
  /** Interface the HTTP servers bind (HOST). */
  host: string;
  databaseUrl: string | undefined;
  /** Connections each process's Postgres pool may open (DATABASE_POOL_SIZE, default 10). */
  databasePoolSize: number;
  redisUrl: string | undefined;
  queue: {
    driver: (typeof QUEUE_DRIVERS)[number];
    amqpUrl: string | undefined;
    /** Prefix of every RabbitMQ exchange and queue name, so several deployments share one vhost. */
    amqpQueuePrefix: string;
    /** RabbitMQ queue type (AMQP_QUEUE_TYPE): `classic` (default) or `quorum`. */
    amqpQueueType: AmqpQueueType;
    sqsEndpoint: string | undefined;
    sqsQueuePrefix: string;
    /** Create the SQS queues at start (off where infrastructure code owns them). */
    sqsCreateQueues: boolean;
    awsRegion: string;
  };
  email: EmailSettings;
  vapid: VapidSettings;
  services: {
    userUrl: string | undefined;
    templateUrl: string | undefined;
    gatewayUrl: string | undefined;
    emailUrl: string | undefined;
    pushUrl: string | undefined;
  };
  gateway: {
    rateLimitPerKeyPerMinute: number;
    rateLimitPerUserPerMinute: number;
    outboxBatchSize: number;
    /** At or above it, quiet hours do not hold a notification (11: nothing bypasses them). */
    quietHoursBypassPriority: number;
    fanoutPageSize: number;
    fanoutLeaseMs: number;
    workflowLeaseMs: number;
  };
  inbox: { tokenTtlSeconds: number; heartbeatMs: number };
  auth: {
    adminApiKey: string | undefined;
    jwtSecret: string | undefined;
    jwtTtlSeconds: number;
    /** Signs the service credentials of calls between functions (`/internal/v1`). */
    internalSecret: string | undefined;
    /** scrypt cost of new password hashes (PASSWORD_SCRYPT_N, _R, _P; OWASP's by default). */
    passwordScrypt: ScryptCost;
  };
  http: { bodyLimitBytes: number };
  webhooks: WebhookSettings;
  push: PushSettings;
  cache: { userTtlSeconds: number };
  /** liquidjs's limits on each template source (TEMPLATE_PARSE_LIMIT, TEMPLATE_RENDER_LIMIT_MS, TEMPLATE_MEMORY_LIMIT). */
  templates: TemplateLimits;
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

/** Values an example file or a tutorial ships: a secret like this is known to everyone who read it. */
const PLACEHOLDER_SECRET = /change[-_ ]?me|replace[-_ ]?me|placeholder|your[-_ ]?(secret|key)/i;

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
      if (!e.INTERNAL_SECRET) problems.push('INTERNAL_SECRET: required when NODE_ENV=production');
      const secrets = { ADMIN_API_KEY: e.ADMIN_API_KEY, JWT_SECRET: e.JWT_SECRET, INTERNAL_SECRET: e.INTERNAL_SECRET };
      for (const [name, value] of Object.entries(secrets)) {
        if (value && PLACEHOLDER_SECRET.test(value)) problems.push(`${name}: a placeholder value; generate a secret`);
      }
    }
    problems.push(...passwordProblems(e, e.NODE_ENV === 'production'));
    problems.push(...emailProblems(e, e.NODE_ENV === 'production'), ...pushProblems(e));
    if (e.QUEUE_DRIVER === 'rabbitmq' && !e.AMQP_URL) problems.push('AMQP_URL: required when QUEUE_DRIVER=rabbitmq');
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    functions: e.FUNCTIONS.length > 0 ? e.FUNCTIONS : [...FUNCTION_NAMES],
    startPorts: Object.fromEntries(e.START_PORTS.map((pair) => pair.split('=')).map(([name, n]) => [name, Number(n)])),
    startAnyPorts: e.START_ANY_PORTS,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    queue: {
      driver: e.QUEUE_DRIVER ?? (e.AMQP_URL ? 'rabbitmq' : 'postgres'),
      amqpUrl: e.AMQP_URL,
      amqpQueuePrefix: e.AMQP_QUEUE_PREFIX,
      amqpQueueType: e.AMQP_QUEUE_TYPE,
      sqsEndpoint: e.SQS_ENDPOINT,
      sqsQueuePrefix: e.SQS_QUEUE_PREFIX,
      sqsCreateQueues: e.SQS_CREATE_QUEUES,
      awsRegion: e.AWS_REGION,
    },
    email: emailSettings(e),
    vapid: vapidSettings(e),
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
      quietHoursBypassPriority: e.QUIET_HOURS_BYPASS_PRIORITY,
      outboxBatchSize: e.OUTBOX_BATCH_SIZE,
      fanoutPageSize: e.FANOUT_PAGE_SIZE,
      fanoutLeaseMs: e.FANOUT_LEASE_MS,
      workflowLeaseMs: e.WORKFLOW_LEASE_MS,
    },
    inbox: { tokenTtlSeconds: e.INBOX_TOKEN_TTL_SECONDS, heartbeatMs: e.INBOX_HEARTBEAT_MS },
    auth: {
      adminApiKey: e.ADMIN_API_KEY,
      jwtSecret: e.JWT_SECRET,
      jwtTtlSeconds: e.JWT_TTL_SECONDS,
      internalSecret: e.INTERNAL_SECRET,
      passwordScrypt: passwordScryptCost(e),
    },
    http: { bodyLimitBytes: e.BODY_LIMIT_BYTES },
    webhooks: webhookSettings(e, e.NODE_ENV),
    push: pushSettings(e, e.NODE_ENV),
    cache: { userTtlSeconds: e.CACHE_USER_TTL_SECONDS },
    templates: templateLimits(e),
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
