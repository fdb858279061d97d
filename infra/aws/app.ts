// CDK app entry (infra/aws/cdk.json): `npx aws-cdk@2 synth|deploy` from infra/aws.
// Context (-c name=value) chooses the imported secrets and the SES sender; see docs/operations.md.
import { App } from 'aws-cdk-lib';
import { NotificationStack } from './notification-stack.js';

const app = new App();
const context = (name: string): string | undefined => (app.node.tryGetContext(name) as string | undefined) || undefined;

new NotificationStack(app, context('stackName') ?? 'NotificationPlatform', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  bundleDir: context('bundleDir'),
  databaseUrlSecretName: context('databaseUrlSecretName'),
  redisUrlSecretName: context('redisUrlSecretName'),
  vapidSecretName: context('vapidSecretName'),
  senderIdentity: context('senderIdentity'),
  emailFrom: context('emailFrom'),
  logLevel: context('logLevel'),
});
