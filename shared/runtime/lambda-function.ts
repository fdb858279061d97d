import { SQSClient } from '@aws-sdk/client-sqs';
import { createUrlFetcher } from '../clients/fetcher.js';
import { createSigV4Fetcher } from '../clients/sigv4-fetcher.js';
import { type Config, type Env, loadConfig } from '../config.js';
import type { RoutingKey } from '../messages.js';
import type { Handler, Queue } from '../queue/queue.js';
import { createInfra } from './create-infra.js';
import type { FunctionModule, Infra, Peers, RunningFunction } from './function-module.js';
import type { FunctionName } from './function-names.js';
import type { LambdaConsumers, LambdaTarget } from './lambda-handler.js';
import { createSqsEffectsResolver } from './lambda-sqs.js';

const SERVICE_URL_VARIABLE: Record<FunctionName, string> = {
  gateway: 'GATEWAY_URL',
  user: 'USER_SERVICE_URL',
  template: 'TEMPLATE_SERVICE_URL',
  email: 'EMAIL_SERVICE_URL',
  push: 'PUSH_SERVICE_URL',
};

/** Lambda Function URLs: `https://<id>.lambda-url.<region>.on.aws/`. */
const FUNCTION_URL_HOST = /\.lambda-url\.[a-z0-9-]+\.on\.aws$/;

/**
 * The other functions through their URLs, as in containers. In AWS they are
 * Function URLs with IAM auth: each call is SigV4-signed with this
 * function's role (a URL elsewhere, a test's or an emulator's, is sent as it is).
 */
function urlPeers(config: Config, self: FunctionName): Peers {
  let sigV4: ReturnType<typeof createSigV4Fetcher> | undefined;
  const sendTo = (url: string) =>
    FUNCTION_URL_HOST.test(new URL(url).hostname)
      ? (sigV4 ??= createSigV4Fetcher({ region: config.queue.awsRegion }))
      : undefined;
  const urls: Record<FunctionName, string | undefined> = {
    gateway: config.services.gatewayUrl,
    user: config.services.userUrl,
    template: config.services.templateUrl,
    email: config.services.emailUrl,
    push: config.services.pushUrl,
  };
  return {
    fetcher(name) {
      const url = urls[name];
      // refused at the call, not at the cold start: a route no request reaches needs no URL (the HTTP API
      // routes the workers' public paths to them in AWS, so the gateway is not told where they are)
      if (!url) return () => Promise.reject(new Error(`${SERVICE_URL_VARIABLE[name]} must be set for ${self} to call ${name}`));
      return createUrlFetcher(url, undefined, sendTo(url));
    },
  };
}

/**
 * The queue a module sees in Lambda: the real adapter for publishing, but
 * `consume` only records the handler. Lambda's event source mapping is the
 * poller; a module's `start()` run against this queue hands over its
 * consumers without starting one.
 */
function capturingQueue(queue: Queue, captured: LambdaConsumers): Queue {
  return {
    publish: (key, message, options) => queue.publish(key, message, options),
    publishMany: (key, messages, options) => queue.publishMany(key, messages, options),
    async consume<K extends RoutingKey>(key: K, handler: Handler<K>) {
      (captured as Record<K, Handler<K>>)[key] = handler;
      return { stop: async () => {} };
    },
    stats: () => queue.stats(),
    deadLetters: queue.deadLetters,
    ping: () => queue.ping(),
    close: () => queue.close(),
  };
}

/** What {@link LambdaBootOptions.extend} gets to add function-specific Lambda wiring. */
export interface LambdaBootContext {
  infra: Infra;
  running: RunningFunction;
}

export interface LambdaBootOptions {
  /** Environment to read instead of the process environment (tests). */
  env?: Env;
  /**
   * Run the module's `start()` against a capturing queue to collect its
   * consumers (default true). Turn off for a module whose `start()` does
   * more than `queue.consume` (the gateway's outbox relay loop): its
   * `extend` then supplies the consumers.
   */
  captureConsumers?: boolean;
  /** Apply the module's migrations on cold start, under the advisory lock, as containers do (default true). */
  migrate?: boolean;
  /** Function-specific wiring: more consumers, after-request work, the scheduled branch. */
  extend?(context: LambdaBootContext): Partial<Pick<LambdaTarget, 'consumers' | 'afterHttp' | 'onSchedule'>>;
}

/**
 * Cold start of one function in AWS Lambda: config from the environment
 * (`loadConfig`), adapters from config (`createInfra`: QUEUE_DRIVER=sqs in
 * AWS), peers through their service URLs, the module's migrations, then its
 * `create`. Background work is never started: consumers are collected (see
 * `captureConsumers`) and run per SQS batch by the handler.
 */
export async function bootLambdaFunction(module: FunctionModule, options: LambdaBootOptions = {}): Promise<LambdaTarget> {
  const config = loadConfig(options.env);
  const infra = await createInfra(config, module.name);
  try {
    if (options.migrate !== false) for (const set of module.migrations ?? []) await infra.database.migrate(set);
    const consumers: LambdaConsumers = {};
    const running = await module.create(
      { ...infra, queue: capturingQueue(infra.queue, consumers) },
      urlPeers(config, module.name),
    );
    if (options.captureConsumers !== false) await running.start?.();
    const extra = options.extend?.({ infra, running }) ?? {};
    let sqs: SQSClient | undefined;
    const sqsEffects =
      config.queue.driver === 'sqs'
        ? createSqsEffectsResolver(
            (sqs = new SQSClient({
              region: config.queue.awsRegion,
              ...(config.queue.sqsEndpoint && { endpoint: config.queue.sqsEndpoint }),
            })),
            infra.logger,
          )
        : undefined;
    // a banner may hold a secret (a generated dev admin key): Lambda writes stdout to CloudWatch, so it is not printed
    if (running.banner?.length) infra.logger.info({ lines: running.banner.length }, 'startup banner withheld in Lambda');
    infra.logger.info({ function: module.name, queue: config.queue.driver, database: infra.database.kind }, 'cold start done');
    return {
      name: module.name,
      app: running.app,
      logger: infra.logger,
      consumers: { ...consumers, ...extra.consumers },
      queuePrefix: config.queue.sqsQueuePrefix,
      ...(sqsEffects && { sqsEffects }),
      ...(extra.afterHttp && { afterHttp: extra.afterHttp }),
      ...(extra.onSchedule && { onSchedule: extra.onSchedule }),
      ...(config.tracing.exporter !== 'none' && { flushTraces: () => infra.flushTraces() }),
      async close() {
        await running.stop?.();
        sqs?.destroy();
        await infra.close();
      },
    };
  } catch (err) {
    await infra.close().catch(() => {});
    throw err;
  }
}
