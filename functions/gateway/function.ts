import { createRemoteAuthenticator } from '../../shared/auth/remote-authenticator.js';
import { createCacheSeal } from '../../shared/cache/sealed-values.js';
import { createBreakerFetcher, OUTAGE_STATUSES } from '../../shared/clients/breaker-fetcher.js';
import { createTemplateClient } from '../../shared/clients/template-client.js';
import { createUserClient } from '../../shared/clients/user-client.js';
import { createChannelCore } from '../../shared/delivery/channel-core.js';
import { deliveryMigrations } from '../../shared/delivery/delivery-migrations.js';
import { MESSAGES } from '../../shared/messages.js';
import { withFunctionMetrics } from '../../shared/metrics/function-metrics.js';
import {
  countNotificationsByStatus,
  registerNotificationStatusMetrics,
} from '../../shared/metrics/notification-status-metrics.js';
import { createSafeOutbound } from '../../shared/net/safe-outbound.js';
import type { Consumer } from '../../shared/queue/queue.js';
import type { FunctionModule } from '../../shared/runtime/function-module.js';
import { signedPeers } from '../../shared/runtime/signed-peers.js';
import { migrationsOf } from '../migrations.js';
import { createAdminStore } from './admin/admin-store.js';
import { createLatencyWindow } from './admin/latency-window.js';
import { createGatewayApp } from './app.js';
import { createRecordStatus } from './consumer.js';
import { createFanoutIntake } from './fanout/fanout-intake.js';
import { createFanoutPages } from './fanout/fanout-page.js';
import { createFanoutStore } from './fanout/fanout-store.js';
import { createFanoutWorker } from './fanout/fanout-worker.js';
import { createGatewayStore } from './gateway-store.js';
import { createDeliverInApp } from './inbox/in-app-consumer.js';
import { createInboxTokens } from './inbox/inbox-auth.js';
import { createInboxBusFor } from './inbox/inbox-bus-for.js';
import { createInboxMetrics } from './inbox/inbox-metrics.js';
import { createInboxStore } from './inbox/inbox-store.js';
import { createIntake } from './intake/intake.js';
import { createIntakeCoalescer } from './intake/intake-coalescer.js';
import { createOutboxRelay } from './outbox/outbox-relay.js';
import { createStatusRecorder } from './status/status-recorder.js';
import { createSuppressionStore } from './suppressions/suppression-store.js';
import { createDeliverWebhook } from './webhooks/deliver-webhook.js';
import { createEndpointBreakers } from './webhooks/endpoint-breakers.js';
import { createIntakeEvents } from './webhooks/intake-events.js';
import { createWebhookStore } from './webhooks/webhook-store.js';
import { createWebhookSubscriptions } from './webhooks/webhook-subscriptions.js';
import { createWorkflows } from './workflows/create-workflows.js';
import { createRunListing } from './workflows/runs/run-listing.js';
import { createWorkflowMetrics } from './workflows/workflow-metrics.js';

const BATCH_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
/** Bytes of a webhook receiver's answer read (only its status and headers matter). */
const WEBHOOK_ANSWER_BYTES = 1024;
/** How long a forwarded request may take before the gateway answers 503. */
const FORWARD_TIMEOUT_MS = 30_000;

/**
 * The gateway (port 8000): notification intake, the outbox relay, status
 * tracking (consumer of `status`), the in-app inbox (its table, its worker,
 * consumer of `in_app`, its feed and streams), outbound webhooks (endpoints,
 * the events status changes raise, the `webhook` worker), and the one public
 * entry point.
 */
export const gatewayFunction: FunctionModule = {
  name: 'gateway',
  containerPort: 8000,
  devPort: 8000,
  // the in-app worker's delivery ledger beside the gateway's own tables
  migrations: [migrationsOf('gateway'), deliveryMigrations],
  async create(infra, reach) {
    const peers = signedPeers(reach, { self: 'gateway', secret: infra.internalSecret });
    const { config, database, cache, queue, logger, metrics } = withFunctionMetrics(infra, 'gateway');
    registerNotificationStatusMetrics(metrics, { countByStatus: countNotificationsByStatus(database.db) });
    const userFetcher = createBreakerFetcher(peers.fetcher('user'), { name: 'user' });
    const templateFetcher = createBreakerFetcher(peers.fetcher('template'), { name: 'template' });
    // what this function caches about credentials, recipients and templates is sealed with a key of the deployment
    const seal = createCacheSeal(infra.jwtSecret);
    // a status change and the webhook events it raises commit together, and so does a notification intake records
    const subscriptions = createWebhookSubscriptions(database.db);
    const intakeEvents = createIntakeEvents(subscriptions);
    const store = createGatewayStore(database.db, { intakeEvents });
    const webhooks = createWebhookStore(database.db);
    // webhook URLs are the customer's: the resolved address is checked at every send and connected to as checked
    const webhookOutbound = createSafeOutbound({
      policy: config.webhooks.outboundPolicy,
      timeoutMs: config.webhooks.timeoutMs,
      maxResponseBytes: WEBHOOK_ANSWER_BYTES,
    });
    const webhookCalls = createEndpointBreakers(webhookOutbound, { resetTimeoutMs: config.webhooks.circuitResetMs });
    const deliverWebhook = createDeliverWebhook({
      store: webhooks,
      calls: webhookCalls,
      timeoutMs: config.webhooks.timeoutMs,
      disableAfterMs: config.webhooks.disableAfterMs,
      postpone: (message, delayMs) => queue.publish('webhook', message, { delayMs }),
      logger,
      maxAttempts: MESSAGES.webhook.retry.maxAttempts,
    });
    const relay = createOutboxRelay({
      store,
      queue,
      database: database.db,
      logger,
      batchSize: config.gateway.outboxBatchSize,
    });
    const recorder = createStatusRecorder({ store, logger });
    const users = createUserClient({ fetcher: userFetcher, cache, seal, recipientTtlMs: config.cache.userTtlSeconds * 1000 });
    const templates = createTemplateClient({ fetcher: templateFetcher, cache, seal });
    const inboxStore = createInboxStore(database.db);
    const inboxBus = createInboxBusFor(config, logger);
    const inboxMetrics = createInboxMetrics(metrics);
    const deliverInApp = createDeliverInApp({
      templates,
      core: createChannelCore(infra, { channel: 'in_app', users }),
      inbox: inboxStore,
      bus: inboxBus,
      logger,
      onStored: inboxMetrics.stored,
    });
    const intake = createIntake({
      store,
      users,
      templates,
      cache,
      logger,
      limits: {
        perKeyPerMinute: config.gateway.rateLimitPerKeyPerMinute,
        perUserPerMinute: config.gateway.rateLimitPerUserPerMinute,
      },
      quietHours: { bypassPriority: config.gateway.quietHoursBypassPriority },
      onQueued: () => relay.nudge(),
    });
    const workflows = createWorkflows({
      db: database.db,
      intake,
      notifications: store,
      users,
      templates,
      cache,
      logger,
      limits: { perKeyPerMinute: config.gateway.rateLimitPerKeyPerMinute },
      leaseMs: config.gateway.workflowLeaseMs,
      onFinished: createWorkflowMetrics(metrics).finished,
    });
    const fanoutStore = createFanoutStore(database.db, { intakeEvents });
    const fanoutWorker = createFanoutWorker({
      store: fanoutStore,
      nextPage: createFanoutPages({
        users,
        templates,
        store,
        cache,
        limits: { perUserPerMinute: config.gateway.rateLimitPerUserPerMinute },
        quietHours: { bypassPriority: config.gateway.quietHoursBypassPriority },
        pageSize: config.gateway.fanoutPageSize,
      }),
      logger,
      leaseMs: config.gateway.fanoutLeaseMs,
      onQueued: () => relay.nudge(),
    });
    const fanoutIntake = createFanoutIntake({
      store: fanoutStore,
      users,
      templates,
      cache,
      limits: { perKeyPerMinute: config.gateway.rateLimitPerKeyPerMinute },
      onAccepted: () => fanoutWorker.nudge(),
    });
    // the dashboard's latency chart: the public API's requests, not the dashboard's own polling
    const latency = createLatencyWindow({
      registry: metrics,
      includeRoute: (route) => route.startsWith('/api/') && !route.startsWith('/api/v1/admin'),
    });
    const app = createGatewayApp({
      intake,
      coalescer: createIntakeCoalescer({ intake }),
      store,
      fanouts: { intake: fanoutIntake, store: fanoutStore },
      workflows: workflows.routes,
      recorder,
      suppressions: createSuppressionStore(database.db),
      authenticator: createRemoteAuthenticator({ userFetcher, cache, seal }),
      logger,
      // forwarding has breakers of its own: a client's request that makes a function fail (a 500)
      // must not open the breaker that credential checks and lookups depend on; and a longer timeout,
      // since some forwarded calls are heavy by nature (a bulk import of 1,000 recipients, password hashing)
      upstreams: {
        user: createBreakerFetcher(peers.fetcher('user'), {
          name: 'user',
          isOutage: OUTAGE_STATUSES,
          timeoutMs: FORWARD_TIMEOUT_MS,
        }),
        template: createBreakerFetcher(peers.fetcher('template'), {
          name: 'template',
          isOutage: OUTAGE_STATUSES,
          timeoutMs: FORWARD_TIMEOUT_MS,
        }),
        email: peers.fetcher('email'),
        push: peers.fetcher('push'),
      },
      bodyLimitBytes: config.http.bodyLimitBytes,
      internalSecret: infra.internalSecret,
      batchBodyLimitBytes: BATCH_BODY_LIMIT_BYTES,
      readiness: { database: () => database.ping(), cache: () => cache.ping(), queue: () => queue.ping() },
      admin: {
        queue,
        store: createAdminStore(database.db),
        runs: createRunListing(database.db),
        workflows: workflows.routes.store,
        latency,
      },
      webhooks: {
        store: webhooks,
        queue,
        refusal: (url) => webhookOutbound.refusal(url),
        onEndpointsChanged: () => subscriptions.changed(),
      },
      inbox: {
        store: inboxStore,
        bus: inboxBus,
        tokens: createInboxTokens({ secret: infra.jwtSecret, ttlSeconds: config.inbox.tokenTtlSeconds }),
        users,
        heartbeatMs: config.inbox.heartbeatMs,
        streams: inboxMetrics.streams,
      },
      metrics,
    });

    let statusConsumer: Consumer | undefined;
    let inAppConsumer: Consumer | undefined;
    let webhookConsumer: Consumer | undefined;
    return {
      app,
      handlers: { in_app: deliverInApp, webhook: deliverWebhook },
      async start() {
        relay.start();
        fanoutWorker.start();
        workflows.worker.start();
        latency.start();
        statusConsumer = await queue.consume('status', createRecordStatus(recorder), { concurrency: 200 });
        inAppConsumer = await queue.consume('in_app', deliverInApp, { concurrency: 50 });
        webhookConsumer = await queue.consume('webhook', deliverWebhook, { concurrency: 50 });
      },
      async stop() {
        await webhookConsumer?.stop();
        webhookCalls.close();
        await webhookOutbound.close();
        await inAppConsumer?.stop();
        await statusConsumer?.stop();
        await inboxBus.close();
        // the fan-out worker's last page, and a workflow's last send, queue into the outbox: stop them before the relay
        await fanoutWorker.stop();
        await workflows.worker.stop();
        await relay.stop();
        latency.stop();
      },
    };
  },
};
