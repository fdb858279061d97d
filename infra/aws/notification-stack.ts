import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, FunctionUrlAuthType, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ConfigurationSet, EmailIdentity, EmailSendingEvent, EventDestination, Identity } from 'aws-cdk-lib/aws-ses';
import { SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FORWARDED } from '../../functions/gateway/forwarding/forwarded-routes.js';
import type { FunctionName } from '../../shared/runtime/function-names.js';

/** Queues fed to consumers: routing key -> consuming function (docs/architecture.md "The flow of one notification"). */
export const QUEUE_CONSUMERS = {
  email: 'email',
  push: 'push',
  in_app: 'gateway',
  status: 'gateway',
  webhook: 'gateway',
} as const satisfies Record<string, FunctionName>;

/** The public route SES feedback (over SNS) is posted to. */
export const EMAIL_EVENTS_ROUTE = '/api/v1/email/events';

/**
 * Public routes owned by a function other than the gateway, routed by the HTTP
 * API straight to their owner: every route the gateway forwards elsewhere
 * (one list), so in AWS the gateway forwards nothing. That matters twice:
 * a Function URL with IAM auth takes `Authorization` for the caller's SigV4
 * signature, so a client's bearer could not travel through one; and the
 * workers need the gateway's URL (the suppression list), so the gateway
 * needing theirs would be a cycle.
 */
export const OWNED_ROUTES: Record<string, FunctionName> = Object.fromEntries(FORWARDED);

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
 * redrive policy), SES for email (its bounces, complaints and deliveries
 * back through SNS to the email events route), an EventBridge schedule
 * draining the gateway's outbox every minute, Secrets Manager for the
 * production secrets.
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
    const internalSecret = new Secret(this, 'InternalSecret', {
      description: 'INTERNAL_SECRET: signs the service credentials of calls between the functions',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    const imported = (id: string, name: string | undefined): ISecret | undefined =>
      name ? Secret.fromSecretNameV2(this, id, name) : undefined;
    const databaseUrl = Secret.fromSecretNameV2(this, 'DatabaseUrl', props.databaseUrlSecretName ?? DEFAULT_DATABASE_URL_SECRET);
    const redisUrl = imported('RedisUrl', props.redisUrlSecretName);
    const vapid = imported('Vapid', props.vapidSecretName);

    // Messages: one queue per routing key and ONE dead letter queue (failed.queue's role), named as the
    // SQS adapter names them (shared/queue/sqs/sqs-message.ts: `<prefix><key>-queue`, `<prefix>failed-queue`).
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
    this.queues = {
      email: makeQueue('email'),
      push: makeQueue('push'),
      in_app: makeQueue('in_app'),
      status: makeQueue('status'),
      webhook: makeQueue('webhook'),
    };

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

    // SES feedback: the configuration set's events go to one topic, which posts them (the SNS envelope,
    // signed) to the email function's route; the email function accepts that topic only
    const emailEvents = new Topic(this, 'EmailEventsTopic', { topicName: `${this.stackName}-email-events` });
    configurationSet.addEventDestination('EmailEventsDestination', {
      destination: EventDestination.snsTopic(emailEvents),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT, EmailSendingEvent.DELIVERY],
    });
    emailEvents.addSubscription(
      new UrlSubscription(`${this.api.apiEndpoint}${EMAIL_EVENTS_ROUTE}`, { protocol: SubscriptionProtocol.HTTPS }),
    );

    // docs/architecture.md "Configuration": the same variables as npm start and compose.
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
      INTERNAL_SECRET: internalSecret.secretValue.unsafeUnwrap(),
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

    // Function URLs for the calls between functions only, IAM-authenticated: the caller signs with its role
    // (SigV4) and needs lambda:InvokeFunctionUrl on the URL; the public entry point is the HTTP API alone
    const privateUrl = (fn: LambdaFunction) => fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    const user = make('user');
    const userUrl = privateUrl(user);
    const template = make('template', { USER_SERVICE_URL: userUrl.url });
    const templateUrl = privateUrl(template);
    const peers = { USER_SERVICE_URL: userUrl.url, TEMPLATE_SERVICE_URL: templateUrl.url };
    // the public routes of the workers are the HTTP API's (OWNED_ROUTES), so the gateway forwards nothing to them
    const gateway = make('gateway', peers);
    // workers re-check the suppression list, which the gateway owns, right before each send
    const gatewayUrl = privateUrl(gateway);
    const workerEnv = { ...peers, GATEWAY_URL: gatewayUrl.url };
    const email = make('email', {
      ...workerEnv,
      EMAIL_PROVIDERS: 'ses',
      SES_CONFIGURATION_SET: configurationSet.configurationSetName,
      SES_SNS_TOPIC_ARNS: emailEvents.topicArn,
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
    this.functions = { gateway, user, template, email, push };
    // who may call whom: template -> user (credential checks); gateway and workers -> user, template; workers -> gateway
    userUrl.grantInvokeUrl(template);
    for (const caller of [gateway, email, push]) {
      userUrl.grantInvokeUrl(caller);
      templateUrl.grantInvokeUrl(caller);
    }
    for (const worker of [email, push]) gatewayUrl.grantInvokeUrl(worker);

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
    // the in-app worker runs in the gateway: it retries through its queue and reports status
    this.queues.in_app.grantSendMessages(gateway);
    this.queues.status.grantSendMessages(gateway);
    // the webhook worker runs in the gateway too: the outbox relay and redeliveries publish, the worker retries
    this.queues.webhook.grantSendMessages(gateway);
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
      const integration = (integrations[owner] ??= new HttpLambdaIntegration(
        `${pascal(owner)}Integration`,
        this.functions[owner],
      ));
      // the bare prefix, and everything below it (with or without a trailing slash)
      this.api.addRoutes({ path: prefix, methods: [HttpMethod.ANY], integration });
      this.api.addRoutes({ path: `${prefix}/{proxy+}`, methods: [HttpMethod.ANY], integration });
    }

    // The outbox's safety net: what an HTTP invocation could not publish (a failed drain, an instance gone between
    // commit and drain) and scheduled sends coming due are published within a minute (functions/gateway/lambda.ts)
    new Rule(this, 'OutboxDrainSchedule', {
      description: "drains the gateway's due outbox rows",
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaTarget(gateway)],
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'AdminApiKeySecretArn', { value: adminApiKey.secretArn });
  }
}

function pascal(name: string): string {
  return name.replace(/(^|[-_])(\w)/g, (_m, _sep, c: string) => c.toUpperCase());
}
