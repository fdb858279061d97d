import { createUrlFetcher } from '../clients/fetcher.js';
import { loadConfig } from '../config.js';
import { createInfra } from './create-infra.js';
import type { FunctionModule, Peers } from './function-module.js';
import { closeServer, listen } from './serve.js';

const SERVICE_URL_VARIABLE = {
  gateway: 'GATEWAY_URL',
  user: 'USER_SERVICE_URL',
  template: 'TEMPLATE_SERVICE_URL',
  email: 'EMAIL_SERVICE_URL',
  push: 'PUSH_SERVICE_URL',
} as const;

/**
 * The container entry of one function (`node dist/functions/<name>/main.js`):
 * config from the environment, its migrations, its app on PORT (default:
 * its container port), and a clean stop on SIGTERM/SIGINT.
 */
export async function runFunction(module: FunctionModule): Promise<void> {
  const config = loadConfig();
  const infra = await createInfra(config, module.name);
  const urls = {
    gateway: config.services.gatewayUrl,
    user: config.services.userUrl,
    template: config.services.templateUrl,
    email: config.services.emailUrl,
    push: config.services.pushUrl,
  };
  const peers: Peers = {
    fetcher(name) {
      const url = urls[name];
      if (!url) throw new Error(`${SERVICE_URL_VARIABLE[name]} must be set to run ${module.name} on its own`);
      return createUrlFetcher(url);
    },
  };
  for (const set of module.migrations ?? []) await infra.database.migrate(set);
  const running = await module.create(infra, peers);
  await running.start?.();
  const port = config.port ?? module.containerPort;
  const server = await listen(running.app, port, config.host);
  const bound = server.address();
  const address = bound && typeof bound === 'object' ? { host: bound.address, port: bound.port } : { host: config.host, port };
  infra.logger.info(address, `${module.name} listening on http://${address.host}:${address.port}`);
  // printed, not logged: a banner may hold a secret meant for the operator's eyes only
  for (const line of running.banner ?? []) process.stdout.write(`${line}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    // a repeated signal while stopping changes nothing (the default action would kill mid-stop)
    if (stopping) return;
    stopping = true;
    infra.logger.info({ signal }, 'shutting down');
    await closeServer(server);
    await running.stop?.();
    await infra.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
