import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORWARDED } from '../../functions/gateway/forwarding/forwarded-routes.js';
import { FUNCTION_NAMES } from '../../shared/runtime/function-names.js';
import { NotificationStack, OWNED_ROUTES, QUEUE_CONSUMERS } from './notification-stack.js';

type Resource = { Type: string; Properties: Record<string, unknown> };

let bundleDir: string;
let template: Template;
let stack: NotificationStack;

beforeAll(() => {
  // stand-in for `npm run build:lambda` output: the stack only needs the folders to exist
  bundleDir = mkdtempSync(join(tmpdir(), 'lambda-bundle-'));
  for (const name of FUNCTION_NAMES) {
    mkdirSync(join(bundleDir, name, 'functions', name), { recursive: true });
    writeFileSync(join(bundleDir, name, 'functions', name, 'lambda.mjs'), 'export const handler = async () => ({});\n');
  }
  const app = new App({ outdir: join(bundleDir, 'cdk.out') });
  stack = new NotificationStack(app, 'NotificationTest', {
    env: { account: '123456789012', region: 'eu-west-1' },
    bundleDir,
    senderIdentity: 'notify.example.com',
    vapidSecretName: 'notification-platform/vapid',
  });
  template = Template.fromStack(stack);
}, 60_000);

afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

const lambdas = () => Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
const lambdaFor = (name: string) => {
  const found = lambdas().find((r) => r.Properties.Handler === `functions/${name}/lambda.handler`);
  if (!found) throw new Error(`no Lambda with handler functions/${name}/lambda.handler`);
  return found;
};
const logicalIdOf = (fn: keyof NotificationStack['functions']) =>
  stack.getLogicalId(stack.functions[fn].node.defaultChild as never);

describe('infra/aws NotificationStack (synthesised offline)', () => {
  it('deploys one Node 20 Lambda per function with handler functions/<name>/lambda.handler', () => {
    expect(
      lambdas()
        .map((r) => r.Properties.Handler)
        .sort(),
    ).toEqual(FUNCTION_NAMES.map((name) => `functions/${name}/lambda.handler`).sort());
    for (const r of lambdas()) expect(r.Properties.Runtime).toBe('nodejs20.x');
  });

  it('configures every function with the variable names of docs/architecture.md, secrets resolved from Secrets Manager', () => {
    for (const name of FUNCTION_NAMES) {
      const env = (lambdaFor(name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env, name).toMatchObject({
        NODE_ENV: 'production',
        QUEUE_DRIVER: 'sqs',
        DATA_DIR: expect.stringMatching(/^\/tmp\//),
      });
      expect(Object.keys(env), name).toEqual(
        expect.arrayContaining([
          'DATABASE_URL',
          'ADMIN_API_KEY',
          'JWT_SECRET',
          'INTERNAL_SECRET',
          'SQS_QUEUE_PREFIX',
          'LOG_LEVEL',
        ]),
      );
      expect(Object.keys(env), `${name}: AWS_REGION is Lambda's own`).not.toContain('AWS_REGION');
      for (const secret of ['DATABASE_URL', 'ADMIN_API_KEY', 'JWT_SECRET', 'INTERNAL_SECRET']) {
        expect(JSON.stringify(env[secret]), `${name} ${secret}`).toContain('{{resolve:secretsmanager:');
      }
    }
    const gatewayEnv = (lambdaFor('gateway').Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(gatewayEnv)).toEqual(
      expect.arrayContaining(['USER_SERVICE_URL', 'TEMPLATE_SERVICE_URL', 'PUBLIC_BASE_URL']),
    );
    const emailEnv = (lambdaFor('email').Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(emailEnv).toMatchObject({ EMAIL_PROVIDERS: 'ses' });
    const pushEnv = (lambdaFor('push').Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(pushEnv)).toEqual(expect.arrayContaining(['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']));
    // the workers re-check the gateway's suppression list before each send
    for (const env of [emailEnv, pushEnv])
      expect(Object.keys(env)).toEqual(expect.arrayContaining(['GATEWAY_URL', 'USER_SERVICE_URL']));
  });

  it('generates the ADMIN_API_KEY, JWT_SECRET and INTERNAL_SECRET secrets', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Resource[];
    const descriptions = secrets.map((s) => String(s.Properties.Description));
    expect(descriptions.some((d) => d.startsWith('ADMIN_API_KEY'))).toBe(true);
    expect(descriptions.some((d) => d.startsWith('JWT_SECRET'))).toBe(true);
    expect(descriptions.some((d) => d.startsWith('INTERNAL_SECRET'))).toBe(true);
    for (const s of secrets) expect(s.Properties.GenerateSecretString).toBeDefined();
  });

  it('has SQS queues email, push, in_app, status and webhook, named as the adapter names them, with the failed queue as dead letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { QueueName: 'NotificationTest-failed-queue' });
    for (const key of Object.keys(QUEUE_CONSUMERS)) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `NotificationTest-${key}-queue`,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailedQueue'), 'Arn'] },
          maxReceiveCount: 12,
        },
      });
    }
    // one per routing key, and the dead letter queue
    template.resourceCountIs('AWS::SQS::Queue', Object.keys(QUEUE_CONSUMERS).length + 1);
  });

  it('tells the functions the queues exist (they only look them up)', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    const env = functions.map(
      (f) => (f.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {},
    );
    expect(env.filter((v) => v.QUEUE_DRIVER === 'sqs').every((v) => v.SQS_CREATE_QUEUES === 'false')).toBe(true);
  });

  it('feeds each queue to its consumer with ReportBatchItemFailures', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
    expect(mappings).toHaveLength(Object.keys(QUEUE_CONSUMERS).length);
    for (const [key, consumer] of Object.entries(QUEUE_CONSUMERS)) {
      const mapping = mappings.find((m) =>
        JSON.stringify(m.Properties.EventSourceArn).includes(
          `${key.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Queue`,
        ),
      );
      expect(mapping, key).toBeDefined();
      expect(mapping!.Properties.FunctionResponseTypes, key).toEqual(['ReportBatchItemFailures']);
      expect(mapping!.Properties.FunctionName, key).toEqual({ Ref: logicalIdOf(consumer) });
    }
  });

  it('has an SES configuration set, the default of the sending identity, and lets only the email function send', () => {
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'notify.example.com',
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    const sesPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p).includes('ses:SendEmail'),
    );
    expect(sesPolicies).toHaveLength(1);
    const emailRole = stack.getLogicalId(stack.functions.email.role!.node.defaultChild as never);
    expect((sesPolicies[0] as Resource).Properties.Roles).toEqual([{ Ref: emailRole }]);
  });

  it('serves one HTTP API: the gateway by default, owned prefixes routed to their function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
    /** Route key -> logical id of the Lambda its integration invokes. */
    const targetOf = (routeKey: string) => {
      const route = routes.find((r) => r.Properties.RouteKey === routeKey);
      if (!route) throw new Error(`no route ${routeKey}`);
      const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = integrations[target['Fn::Join'][1][1].Ref]!;
      return (integration.Properties.IntegrationUri as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    };
    expect(targetOf('$default')).toBe(logicalIdOf('gateway'));
    for (const [prefix, owner] of Object.entries(OWNED_ROUTES)) {
      expect(targetOf(`ANY ${prefix}`), prefix).toBe(logicalIdOf(owner));
      expect(targetOf(`ANY ${prefix}/{proxy+}`), prefix).toBe(logicalIdOf(owner));
    }
    expect(routes).toHaveLength(1 + 2 * Object.keys(OWNED_ROUTES).length);
  });

  it('drains due outbox rows every minute: an EventBridge schedule invokes the gateway, which may be invoked by it', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
    const schedule = rules.find((r) => r.Properties.ScheduleExpression === 'rate(1 minute)');
    expect(schedule).toBeDefined();
    expect(schedule!.Properties.State).toBe('ENABLED');
    const targets = schedule!.Properties.Targets as Array<{ Arn: unknown }>;
    expect(targets.map((t) => t.Arn)).toEqual([{ 'Fn::GetAtt': [logicalIdOf('gateway'), 'Arn'] }]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf('gateway'), 'Arn'] },
    });
  });

  it("sends the SES configuration set's bounces, complaints and deliveries over SNS to the email events route", () => {
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(1);
    const topicId = Object.keys(topics)[0]!;
    const destinations = Object.values(template.findResources('AWS::SES::ConfigurationSetEventDestination')) as Resource[];
    expect(destinations).toHaveLength(1);
    const destination = destinations[0]!.Properties.EventDestination as {
      Enabled: boolean;
      MatchingEventTypes: string[];
      SnsDestination: { TopicARN: unknown };
    };
    expect(destination.Enabled).toBe(true);
    expect(destination.SnsDestination.TopicARN).toEqual({ Ref: topicId });
    expect([...destination.MatchingEventTypes].sort()).toEqual(['bounce', 'complaint', 'delivery']);

    // SNS posts its envelope (no raw delivery) over HTTPS to the route the email function serves
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')) as Resource[];
    expect(subscriptions).toHaveLength(1);
    const subscription = subscriptions[0]!.Properties;
    expect(subscription.Protocol).toBe('https');
    expect(subscription.TopicArn).toEqual({ Ref: topicId });
    expect(subscription.RawMessageDelivery ?? false).toBe(false);
    const endpoint = JSON.stringify(subscription.Endpoint);
    expect(endpoint).toContain(stack.getLogicalId(stack.api.node.defaultChild as never));
    expect(endpoint).toContain('/api/v1/email/events');
    expect(OWNED_ROUTES['/api/v1/email/events']).toBe('email');

    // the email function takes feedback from that topic only, and sends through the configuration set
    const env = (lambdaFor('email').Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.SES_SNS_TOPIC_ARNS).toEqual({ Ref: topicId });
    const configurationSet = Object.keys(template.findResources('AWS::SES::ConfigurationSet'))[0]!;
    expect(env.SES_CONFIGURATION_SET).toEqual({ Ref: configurationSet });
  });

  it('exposes no function without AWS credentials but the HTTP API: every Function URL is IAM-authenticated', () => {
    const urls = Object.values(template.findResources('AWS::Lambda::Url')) as Resource[];
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url.Properties.AuthType).toBe('AWS_IAM');
    // and nothing grants the public (principal *) an invoke of a URL
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')) as Resource[];
    for (const permission of permissions) {
      if (permission.Properties.Action === 'lambda:InvokeFunctionUrl') expect(permission.Properties.Principal).not.toBe('*');
    }
  });

  it('lets each function invoke only the URLs it calls', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    const urlTargetsOf = (fn: keyof NotificationStack['functions']) => {
      const role = stack.getLogicalId(stack.functions[fn].role!.node.defaultChild as never);
      const statements = policies
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
        .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: unknown; Resource: unknown }> }).Statement)
        .filter((st) => JSON.stringify(st.Action).includes('lambda:InvokeFunctionUrl'));
      return FUNCTION_NAMES.filter((target) =>
        statements.some((st) => JSON.stringify(st.Resource).includes(logicalIdOf(target))),
      ).sort();
    };
    expect(urlTargetsOf('user')).toEqual([]);
    expect(urlTargetsOf('template')).toEqual(['user']);
    expect(urlTargetsOf('gateway')).toEqual(['template', 'user']);
    expect(urlTargetsOf('email')).toEqual(['gateway', 'template', 'user']);
    expect(urlTargetsOf('push')).toEqual(['gateway', 'template', 'user']);
  });

  it('routes every path the gateway forwards straight to its owner, so the gateway forwards nothing in AWS', () => {
    expect(OWNED_ROUTES).toEqual(Object.fromEntries(FORWARDED));
  });
});
