// @requires DATABASE_URL
// The Postgres pool through a connection that dies right after the handshake
// (while postgres.js would fetch the array types) and a server that then
// refuses. The worker processes share this pool: a rejection nobody handles
// here crashes them.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDb } from './create-db.js';
import { isDatabaseUnavailable } from './db-errors.js';

/**
 * A proxy in front of Postgres that, the first time a client sends a query
 * whose text contains `marker`, cuts that connection and refuses new ones
 * (the server went away just then).
 */
async function proxyDyingOn(marker: string, target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let died = false;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  const port = await new Promise<number>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('data', (chunk: Buffer) => {
        if (!died && chunk.includes(marker)) {
          died = true;
          void stop();
          return;
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
    });
    server.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port));
  });
  return { port, died: () => died, close: stop };
}

function urlThrough(port: number): string {
  const url = new URL(process.env.DATABASE_URL!);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/** Collects the process's unhandled rejections while `run` runs (and a moment after). */
async function unhandledDuring(run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await run();
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    process.off('unhandledRejection', listener);
  }
  return seen;
}

describe('postgres pool through connection outages', () => {
  it('a connection cut right after the handshake, then refused: the query fails, nothing goes unhandled', async () => {
    const target = new URL(process.env.DATABASE_URL!);
    // the text of postgres.js's array type query, sent on each new connection unless `fetch_types` is off
    const proxy = await proxyDyingOn("typcategory = 'A'", target);
    const database = await createDb({ databaseUrl: urlThrough(proxy.port), pgliteDir: 'memory://', poolSize: 1 });
    try {
      const unhandled = await unhandledDuring(async () => {
        const outcome = await database.db.execute(sql`select 1`).then(
          () => 'answered',
          (err: unknown) => (isDatabaseUnavailable(err) ? 'unavailable' : err),
        );
        expect(['answered', 'unavailable']).toContain(outcome);
      });
      expect(unhandled).toEqual([]);
    } finally {
      await proxy.close();
      await database.close().catch(() => undefined);
    }
  });
});
