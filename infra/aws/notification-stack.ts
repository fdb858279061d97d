import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, FunctionUrlAuthType, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** The five functions, as in DESIGN.md. */
export const FUNCTION_NAMES = ['gateway', 'user', 'template', 'email', 'push'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Queues fed to consumers: routing key -> consuming function (DESIGN.md "The flow"). */
export const QUEUE_CONSUMERS = { email: 'email', push: 'push', status: 'gateway' } as const satisfies Record<string, FunctionName>;

/** Public routes owned by a function other than the gateway (DESIGN.md "One public entry point"). */
export const OWNED_ROUTES: Record<string, FunctionName> = {
  '/api/v1/users': 'user',
  '/api/v1/auth': 'user',
  '/api/v1/api-keys': 'user',
  '/api/v1/templates': 'template',
};

/** Secret (plain string) the stack reads DATABASE_URL from unless told otherwise; created before the first deploy. */
export const DEFAULT_DATABASE_URL_SECRET = 'notification-platform/database-url';

export const DEFAULT_BUNDLE_DIR = fileURLToPath(new URL('../../dist-lambda', import.meta.url));

export interface NotificationStackProps extends StackProps {
  /**
   * Output of `npm run build:lambda` (infra/aws/build-lambda.mjs): one folder
   * per function holding `functions/<name>/lambda.mjs`, which exports `handler`.
   */
  bundleDir?: string;
  /** Name of an existing secret holding the Postgres URL (plain string); default {@link DEFAULT_DATABASE_URL_SECRET}. */
  databaseUrlSecretName?: string;
  /** Name of an existing secret holding the Redis URL; without it each instance caches in memory. */
  redisUrlSecretName?: string;
  /** Name of an existing secret holding the Web Push identity as JSON: public_key, private_key, subject. */
  vapidSecretName?: string;
  /** SES sending identity (domain or address); it gets the configuration set as its default. */
  senderIdentity?: string;
  /** Default sender (EMAIL_FROM). */
  emailFrom?: string;
  logLevel?: string;
}

/**
 * The platform on AWS: one Lambda per function (the same handler code as the
 * containers, entered through `functions/<name>/lambda.ts`), an HTTP API in
 * front, SQS in place of RabbitMQ (each queue with a dead letter queue and a
 * redrive policy), SES for email, Secrets Manager for the production secrets.
 */
export class NotificationStack extends Stack {
  readonly functions: Record<FunctionName, LambdaFunction>;
  readonly queues: Record<keyof typeof QUEUE_CONSUMERS, Queue>;
  /** The one dead letter queue (`failed.queue`). */
  readonly failedQueue: Queue;
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: NotificationStackProps = {}) {
    super(scope, id, props);
    const bundleDir = props.bundleDir ?? DEFAULT_BUNDLE_DIR;
    const queuePrefix = `${this.stackName}-`;

    const adminApiKey = new Secret(this, 'AdminApiKey', {
      description: 'ADMIN_API_KEY: bootstrap admin API key of the notification platform',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    const jwtSecret = new Secret(this, 'JwtSecret', {
      description: 'JWT_SECRET: token signing secret of the notification platform',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const imported = (id: string, name: string | undefined): ISecret | undefined =>
      name ? Secret.fromSecretNameV2(this, id, name) : undefined;
    const databaseUrl = Secret.fromSecretNameV2(this, 'DatabaseUrl', props.databaseUrlSecretName ?? DEFAULT_DATABASE_URL_SECRET);
    const redisUrl = imported('RedisUrl', props.redisUrlSecretName);
    const vapid = imported('Vapid', props.vapidSecretName);

    // Messages: one queue per routing key and ONE dead letter queue (failed.queue's role), named as the
    // SQS adapter names them (shared/queue/sqs-queue.ts: `<prefix><key>-queue`, `<prefix>failed-queue`).
    this.failedQueue = new Queue(this, 'FailedQueue', {
      queueName: `${queuePrefix}failed-queue`,
      retentionPeriod: Duration.days(14),
    });
    const makeQueue = (key: string) =>
      new Queue(this, `${pascal(key)}Queue`, {
        queueName: `${queuePrefix}${key}-queue`,
        // six times the consumer timeout, as AWS advises for SQS event sources
        visibilityTimeout: Duration.seconds(180),
        retentionPeriod: Duration.days(4),
        // a safety net only: the consumers dead-letter with a reason themselves after the policy's last attempt
        deadLetterQueue: { queue: this.failedQueue, maxReceiveCount: 12 },
      });
    this.queues = { email: makeQueue('email'), push: makeQueue('push'), status: makeQueue('status') };

    const configurationSet = new ConfigurationSet(this, 'EmailConfigurationSet', {
      configurationSetName: `${this.stackName}-email`,
    });
    if (props.senderIdentity) {
      new EmailIdentity(this, 'SenderIdentity', {
        identity: props.senderIdentity.includes('@')
          ? Identity.email(props.senderIdentity)
          : Identity.domain(props.senderIdentity),
        configurationSet,
      });
    }

    // Created before the functions so PUBLIC_BASE_URL can name it; routes are added below.
    this.api = new HttpApi(this, 'HttpApi', { apiName: `${this.stackName}-api` });

    // DESIGN.md "Configuration names": the same variables as npm start and compose.
    // AWS_REGION is set by Lambda itself. Secrets are resolved at deploy time (dynamic references).
    const sharedEnv: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: props.logLevel ?? 'info',
      DATA_DIR: '/tmp/notification-data',
      QUEUE_DRIVER: 'sqs',
      SQS_QUEUE_PREFIX: queuePrefix,
      // the queues are this stack's: the functions only look them up
      SQS_CREATE_QUEUES: 'false',
      DATABASE_URL: databaseUrl.secretValue.unsafeUnwrap(),
      ADMIN_API_KEY: adminApiKey.secretValue.unsafeUnwrap(),
      JWT_SECRET: jwtSecret.secretValue.unsafeUnwrap(),
      PUBLIC_BASE_URL: this.api.apiEndpoint,
      ...(redisUrl ? { REDIS_URL: redisUrl.secretValue.unsafeUnwrap() } : {}),
    };

    const make = (name: FunctionName, extra: Record<string, string> = {}) => {
      const logGroup = new LogGroup(this, `${pascal(name)}Logs`, { retention: RetentionDays.ONE_MONTH });
      return new LambdaFunction(this, `${pascal(name)}Function`, {
        description: `notification platform: ${name} function`,
        runtime: Runtime.NODEJS_20_X,
        architecture: Architecture.ARM_64,
        code: Code.fromAsset(join(bundleDir, name)),
        handler: `functions/${name}/lambda.handler`,
        memorySize: 512,
        timeout: Duration.seconds(30),
        logGroup,
        environment: { ...sharedEnv, ...extra },
      });
    };

    const user = make('user');
    const userUrl = user.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    const template = make('template', { USER_SERVICE_URL: userUrl.url });
    const templateUrl = template.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    const peers = { USER_SERVICE_URL: userUrl.url, TEMPLATE_SERVICE_URL: templateUrl.url };
    const workerEnv = peers;
    const email = make('email', {
      ...workerEnv,
      EMAIL_PROVIDERS: 'ses',
      EMAIL_FROM: props.emailFrom ?? 'Notifications <notifications@example.com>',
    });
    const push = make('push', {
      ...workerEnv,
      ...(vapid
        ? {
            VAPID_PUBLIC_KEY: vapid.secretValueFromJson('public_key').unsafeUnwrap(),
            VAPID_PRIVATE_KEY: vapid.secretValueFromJson('private_key').unsafeUnwrap(),
            VAPID_SUBJECT: vapid.secretValueFromJson('subject').unsafeUnwrap(),
          }
        : {}),
    });
    // the gateway forwards /api/v1/{email,push}/status to the workers
    const gateway = make('gateway', {
      ...peers,
      EMAIL_SERVICE_URL: email.addFunctionUrl({ authType: FunctionUrlAuthType.NONE }).url,
      PUSH_SERVICE_URL: push.addFunctionUrl({ authType: FunctionUrlAuthType.NONE }).url,
    });
    this.functions = { gateway, user, template, email, push };

    // Consumers: partial batch failures, so one bad message does not redeliver its batch.
    for (const [key, consumer] of Object.entries(QUEUE_CONSUMERS) as Array<[keyof typeof QUEUE_CONSUMERS, FunctionName]>) {
      this.functions[consumer].addEventSource(
        new SqsEventSource(this.queues[key], {
          batchSize: 10,
          maxBatchingWindow: Duration.seconds(1),
          reportBatchItemFailures: true,
        }),
      );
    }
    // Publishers: the gateway's outbox relay sends deliveries; workers retry through their own queue and report status.
    this.queues.email.grantSendMessages(gateway);
    this.queues.push.grantSendMessages(gateway);
    for (const worker of [email, push]) this.queues.status.grantSendMessages(worker);
    this.queues.email.grantSendMessages(email);
    this.queues.push.grantSendMessages(push);
    // consumers copy a message they give up on into the failed queue, with the reason
    for (const consumer of [gateway, email, push]) this.failedQueue.grantSendMessages(consumer);
    // SES authorises a send on the sending identity and on the configuration set it names
    email.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [
          this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' }),
          this.formatArn({ service: 'ses', resource: 'configuration-set', resourceName: configurationSet.configurationSetName }),
        ],
      }),
    );

    // One public entry point: the gateway by default, owned prefixes straight to their function.
    new HttpRoute(this, 'DefaultRoute', {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration('GatewayIntegration', gateway),
    });
    const integrations: Partial<Record<FunctionName, HttpLambdaIntegration>> = {};
    for (const [prefix, owner] of Object.entries(OWNED_ROUTES)) {
      const integration = (integrations[owner] ??= new HttpLambdaIntegration(`${pascal(owner)}Integration`, this.functions[owner]));
      // the bare prefix, and everything below it (with or without a trailing slash)
      this.api.addRoutes({ path: prefix, methods: [HttpMethod.ANY], integration });
      this.api.addRoutes({ path: `${prefix}/{proxy+}`, methods: [HttpMethod.ANY], integration });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'AdminApiKeySecretArn', { value: adminApiKey.secretArn });
  }
}

function pascal(name: string): string {
  return name.replace(/(^|[-_])(\w)/g, (_m, _sep, c: string) => c.toUpperCase());
}
