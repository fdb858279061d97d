import { randomUUID } from 'node:crypto';
import type { ServerType } from '@hono/node-server';
import { openPlatform, type PlatformKit, type PlatformOptions } from '../../../functions/gateway/test-support/platform-kit.js';
import { closeServer, listen } from '../../../shared/runtime/serve.js';
import { testDatabases } from '../../../shared/test-support/test-databases.js';

export type Port = 'gateway' | 'user' | 'template';

export interface HttpAnswer {
  status: number;
  /** The parsed body (`any`: attacks read whatever came back). */
  body: any;
  /** The raw text, for "this secret is nowhere in the answer" checks. */
  text: string;
}

export interface AttackPlatform {
  kit: PlatformKit;
  /** Base URL of each function's own port (what compose publishes, what `npm start` listens on). */
  urls: Record<Port, string>;
  /** One request over a real socket, as an outsider sends it. */
  send(
    port: Port,
    method: string,
    path: string,
    options?: { body?: unknown; auth?: string; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** A signed-up user with a push token (a device), and an accepted email notification to it. */
  victim(): Promise<{ id: string; email: string; token: string; notificationId: string }>;
  close(): Promise<void>;
}

/**
 * The gateway, user and template functions wired as `npm start` wires them
 * (in-process calls between them, so the same signing and verification code
 * as every runtime), each also served on its own loopback port, so an
 * attack goes over HTTP exactly as an outsider's would.
 */
export async function openAttackPlatform(options: PlatformOptions = {}): Promise<AttackPlatform> {
  const kit = await openPlatform(testDatabases()[0]!, options);
  const servers: ServerType[] = [];
  const urls = {} as Record<Port, string>;
  try {
    for (const [name, fn] of kit.functions) {
      const server = await listen(fn.app, 0, '127.0.0.1');
      servers.push(server);
      const address = server.address();
      if (!address || typeof address === 'string') throw new Error('no port');
      urls[name] = `http://127.0.0.1:${address.port}`;
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    await kit.close();
    throw err;
  }

  const send: AttackPlatform['send'] = async (port, method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.auth) headers.authorization = `Bearer ${opts.auth}`;
    if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${urls[port]}${path}`, {
      method,
      headers,
      ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, body, text };
  };

  return {
    kit,
    urls,
    send,
    async victim() {
      const user = await kit.createUser({ push_token: `fcm-${randomUUID()}` });
      const sent = await kit.request('POST', '/api/v1/notifications', {
        auth: kit.sendKey,
        body: {
          notification_type: 'email',
          user_id: user.id,
          template_code: 'kit_welcome',
          variables: { name: 'Ada' },
          request_id: randomUUID(),
        },
      });
      if (sent.status !== 202) throw new Error(`notification: ${JSON.stringify(sent.body)}`);
      return { ...user, notificationId: sent.body.data.notification_id };
    },
    async close() {
      await Promise.all(servers.map(closeServer));
      await kit.close();
    },
  };
}
