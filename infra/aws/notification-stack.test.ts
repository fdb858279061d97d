import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_NAMES, NotificationStack, OWNED_ROUTES, QUEUE_CONSUMERS } from './notification-stack.js';

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
const logicalIdOf = (fn: keyof NotificationStack['functions']) => stack.getLogicalId(stack.functions[fn].node.defaultChild as never);

describe('infra/aws NotificationStack (synthesised offline)', () => {
  it('deploys one Node 20 Lambda per function with handler functions/<name>/lambda.handler', () => {
    expect(lambdas().map((r) => r.Properties.Handler).sort()).toEqual(
      FUNCTION_NAMES.map((name) => `functions/${name}/lambda.handler`).sort(),
    );
    for (const r of lambdas()) expect(r.Properties.Runtime).toBe('nodejs20.x');
  });

  it('configures every function with the DESIGN.md variable names, secrets resolved from Secrets Manager', () => {
    for (const name of FUNCTION_NAMES) {
      const env = (lambdaFor(name).Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env, name).toMatchObject({ NODE_ENV: 'production', QUEUE_DRIVER: 'sqs', DATA_DIR: expect.stringMatching(/^\/tmp\//) });
      expect(Object.keys(env), name).toEqual(expect.arrayContaining(['DATABASE_URL', 'ADMIN_API_KEY', 'JWT_SECRET', 'SQS_QUEUE_PREFIX', 'LOG_LEVEL']));
      expect(Object.keys(env), `${name}: AWS_REGION is Lambda's own`).not.toContain('AWS_REGION');
      for (const secret of ['DATABASE_URL', 'ADMIN_API_KEY', 'JWT_SECRET']) {
        expect(JSON.stringify(env[secret]), `${name} ${secret}`).toContain('{{resolve:secretsmanager:');
      }
    }
    const gatewayEnv = (lambdaFor('gateway').Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(gatewayEnv)).toEqual(
      expect.arrayContaining(['USER_SERVICE_URL', 'TEMPLATE_SERVICE_URL', 'EMAIL_SERVICE_URL', 'PUSH_SERVICE_URL', 'PUBLIC_BASE_URL']),
    );
    const emailEnv = (lambdaFor('email').Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(emailEnv).toMatchObject({ EMAIL_PROVIDERS: 'ses' });
    const pushEnv = (lambdaFor('push').Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(pushEnv)).toEqual(expect.arrayContaining(['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']));
  });

  it('generates the ADMIN_API_KEY and JWT_SECRET secrets', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret')) as Resource[];
    const descriptions = secrets.map((s) => String(s.Properties.Description));
    expect(descriptions.some((d) => d.startsWith('ADMIN_API_KEY'))).toBe(true);
    expect(descriptions.some((d) => d.startsWith('JWT_SECRET'))).toBe(true);
    for (const s of secrets) expect(s.Properties.GenerateSecretString).toBeDefined();
  });

  it('has SQS queues email, push and status, named as the adapter names them, with the failed queue as dead letter queue', () => {
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
    template.resourceCountIs('AWS::SQS::Queue', 4);
  });

  it('tells the functions the queues exist (they only look them up)', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
    const env = functions.map((f) => (f.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {});
    expect(env.filter((v) => v.QUEUE_DRIVER === 'sqs').every((v) => v.SQS_CREATE_QUEUES === 'false')).toBe(true);
  });

  it('feeds each queue to its consumer with ReportBatchItemFailures', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
    expect(mappings).toHaveLength(Object.keys(QUEUE_CONSUMERS).length);
    for (const [key, consumer] of Object.entries(QUEUE_CONSUMERS)) {
      const mapping = mappings.find((m) => JSON.stringify(m.Properties.EventSourceArn).includes(`${key[0]!.toUpperCase()}${key.slice(1)}Queue`));
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
});
