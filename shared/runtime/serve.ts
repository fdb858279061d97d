import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.js';

/**
 * Listen on `hostname:port` (HOST: loopback unless told; containers set
 * 0.0.0.0 inside their network); resolves once listening.
 */
export function listen(app: Hono<AppEnv>, port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}

export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ('closeAllConnections' in server) (server as { closeAllConnections(): void }).closeAllConnections();
  });
}
