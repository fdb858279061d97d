import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Logger } from '../../../shared/logging/logger.js';
import { verifyVapidAuthorization } from '../vapid/verify-vapid.js';
import { createUserAgentKeys, decryptPushMessage, type UserAgentKeys } from './user-agent-crypto.js';

/** Folder under DATA_DIR where `npm start` keeps the local push service's certificate (the push function trusts it in development). */
export const LOCAL_PUSH_CERT_DIR = 'local-push-service';

/** RFC 8030 section 7.2: a push service must accept at least 4096 bytes; we accept exactly that, like the big ones. */
const MAX_MESSAGE_BYTES = 4096;

/** A subscription this service issued, with the keys a browser would keep to itself. */
export interface LocalSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The user agent's side (private key included), for decrypting what arrives. */
  userAgentKeys: UserAgentKeys;
}

/** One push message the service accepted, stored encrypted as it arrived. */
export interface ReceivedPushMessage {
  id: string;
  subscriptionId: string;
  receivedAt: string;
  ttl: number;
  urgency: string;
  topic: string | undefined;
  contentEncoding: string;
  /** The aes128gcm body, still encrypted. */
  body: Buffer;
  vapid: { publicKey: string; subject: string };
}

/** An answer to give instead of accepting, for the next `times` messages of a subscription (forever when omitted). */
export interface ScriptedAnswer {
  status: number;
  retryAfterSeconds?: number;
  body?: string;
  times?: number;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

export interface LocalPushServiceOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Address to bind and to put in endpoints. Default 127.0.0.1. */
  host?: string;
  /** Keep the self-signed certificate here so it survives restarts (`npm start`); generated per run otherwise. */
  certDir?: string;
  /** Messages kept per subscription (oldest dropped). Default 100. */
  keepPerSubscription?: number;
  logger?: Logger;
}

export interface LocalPushService {
  /** `https://127.0.0.1:<port>`: the origin VAPID JWTs must name as `aud`. */
  origin: string;
  /** The self-signed certificate (PEM) a sender must trust. */
  certificatePem: string;
  /** Issue a subscription, as `PushManager.subscribe()` would. `applicationServerKey` restricts it to one VAPID key. */
  createSubscription(options?: { applicationServerKey?: string }): LocalSubscription;
  /** Answer the next messages of a subscription with `answer` instead of accepting them. */
  respondWith(subscriptionId: string, answer: ScriptedAnswer): void;
  /** Accepted messages of a subscription, oldest first. */
  messages(subscriptionId: string): ReceivedPushMessage[];
  /** Decrypt an accepted message with its subscription's private keys. */
  decrypt(message: ReceivedPushMessage): string;
  /** Messages accepted since start, every subscription together. */
  readonly acceptedCount: number;
  /** Requests answered with anything but 201 since start. */
  readonly refusedCount: number;
  close(): Promise<void>;
}

interface SubscriptionState {
  subscription: LocalSubscription;
  applicationServerKey: string | undefined;
  script: ScriptedAnswer[];
  messages: ReceivedPushMessage[];
}

/** A self-signed certificate for localhost / 127.0.0.1 / ::1, made with `selfsigned` (EC P-256: quick to make and to handshake). */
async function certificate(certDir: string | undefined): Promise<{ cert: string; key: string }> {
  if (certDir) {
    try {
      return { cert: readFileSync(join(certDir, 'cert.pem'), 'utf8'), key: readFileSync(join(certDir, 'key.pem'), 'utf8') };
    } catch {
      // first start: make one below
    }
  }
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 5 * 365 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  if (certDir) {
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'cert.pem'), pems.cert);
    writeFileSync(join(certDir, 'key.pem'), pems.private, { mode: 0o600 });
  }
  return { cert: pems.cert, key: pems.private };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too_large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The push counterpart of a mail catcher: an RFC 8030 push service on
 * HTTPS (self-signed certificate) for tests, the benchmark and `npm start`.
 * Like a real one it verifies the VAPID JWT (RFC 8292) of every message,
 * enforces `TTL`, `Content-Encoding: aes128gcm` and the 4096-byte limit,
 * and stores the message still encrypted. Because it issued the
 * subscriptions, it holds their private keys and can decrypt what arrived.
 *
 * HTTP API (for people trying it under `npm start`):
 * - `POST /subscriptions` -> a subscription (`endpoint`, `keys`) to register with the user function
 * - `POST /push/:id` -> the push endpoint (201 with `Location`)
 * - `GET /subscriptions/:id/messages` -> what arrived, decrypted
 * - `POST /subscriptions/:id/answer` `{ status, retry_after_seconds?, times? }` -> script failures
 */
export async function startLocalPushService(options: LocalPushServiceOptions = {}): Promise<LocalPushService> {
  const host = options.host ?? '127.0.0.1';
  const keep = options.keepPerSubscription ?? 100;
  const tls = await certificate(options.certDir);
  const subscriptions = new Map<string, SubscriptionState>();
  let origin = '';
  let acceptedCount = 0;
  let refusedCount = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (status !== 201) refusedCount++;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
    res.end(text);
  };

  const createSubscription: LocalPushService['createSubscription'] = (subOptions = {}) => {
    const id = randomUUID();
    const userAgentKeys = createUserAgentKeys();
    const subscription: LocalSubscription = {
      id,
      endpoint: `${origin}/push/${id}`,
      keys: { p256dh: userAgentKeys.p256dh, auth: userAgentKeys.auth },
      userAgentKeys,
    };
    subscriptions.set(id, { subscription, applicationServerKey: subOptions.applicationServerKey, script: [], messages: [] });
    return subscription;
  };

  const decrypt = (message: ReceivedPushMessage): string => {
    const state = subscriptions.get(message.subscriptionId);
    if (!state) throw new Error(`unknown subscription ${message.subscriptionId}`);
    return decryptPushMessage(message.body, state.subscription.userAgentKeys).toString('utf8');
  };

  const nextScripted = (state: SubscriptionState): ScriptedAnswer | undefined => {
    const answer = state.script[0];
    if (!answer) return undefined;
    if (answer.times !== undefined) {
      answer.times--;
      if (answer.times <= 0) state.script.shift();
    }
    return answer;
  };

  const receive = async (req: IncomingMessage, res: ServerResponse, id: string) => {
    const body = await readBody(req, MAX_MESSAGE_BYTES);
    const state = subscriptions.get(id);
    if (!state) return send(res, 404, 'no such subscription');
    const vapid = verifyVapidAuthorization(req.headers.authorization, origin);
    if (!vapid.ok) return send(res, vapid.status, vapid.reason);
    if (state.applicationServerKey && state.applicationServerKey !== vapid.publicKey) {
      return send(res, 403, 'VAPID key differs from the applicationServerKey of the subscription');
    }
    const scripted = nextScripted(state);
    if (scripted) {
      if (scripted.delayMs) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));
      const headers: Record<string, string> =
        scripted.retryAfterSeconds !== undefined ? { 'retry-after': String(scripted.retryAfterSeconds) } : {};
      return send(res, scripted.status, scripted.body ?? `scripted ${scripted.status}`, headers);
    }
    const ttl = Number(req.headers.ttl);
    if (req.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0)
      return send(res, 400, 'TTL header required (RFC 8030 5.2)');
    if (body === 'too_large') return send(res, 413, `payload larger than ${MAX_MESSAGE_BYTES} bytes`);
    const contentEncoding = String(req.headers['content-encoding'] ?? '');
    if (body.length > 0 && contentEncoding !== 'aes128gcm') return send(res, 415, 'Content-Encoding must be aes128gcm');

    const message: ReceivedPushMessage = {
      id: randomUUID(),
      subscriptionId: id,
      receivedAt: new Date().toISOString(),
      ttl,
      urgency: String(req.headers.urgency ?? 'normal'),
      topic: req.headers.topic === undefined ? undefined : String(req.headers.topic),
      contentEncoding,
      body,
      vapid: { publicKey: vapid.publicKey, subject: vapid.subject },
    };
    state.messages.push(message);
    if (state.messages.length > keep) state.messages.shift();
    acceptedCount++;
    send(res, 201, '', { location: `${origin}/messages/${message.id}`, ttl: String(ttl) });
  };

  const readJson = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    const body = await readBody(req, 64 * 1024);
    if (body === 'too_large' || body.length === 0) return {};
    try {
      return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', origin).pathname.replace(/\/+$/, '');
    const parts = path.split('/').filter(Boolean);
    if (req.method === 'POST' && parts[0] === 'push' && parts.length === 2) return receive(req, res, parts[1]!);
    if (req.method === 'POST' && path === '/subscriptions') {
      const body = await readJson(req);
      const key = typeof body.application_server_key === 'string' ? body.application_server_key : undefined;
      const sub = createSubscription(key ? { applicationServerKey: key } : {});
      return send(res, 201, {
        id: sub.id,
        endpoint: sub.endpoint,
        keys: sub.keys,
        messages_url: `${origin}/subscriptions/${sub.id}/messages`,
      });
    }
    const state = parts[0] === 'subscriptions' && parts[1] ? subscriptions.get(parts[1]) : undefined;
    if (req.method === 'GET' && state && parts[2] === 'messages') {
      return send(
        res,
        200,
        state.messages.map((m) => ({
          id: m.id,
          received_at: m.receivedAt,
          ttl: m.ttl,
          urgency: m.urgency,
          topic: m.topic,
          payload: decrypt(m),
        })),
      );
    }
    if (req.method === 'POST' && state && parts[2] === 'answer') {
      const body = await readJson(req);
      const status = Number(body.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) return send(res, 400, 'status must be an HTTP status');
      state.script.push({
        status,
        ...(typeof body.retry_after_seconds === 'number' && { retryAfterSeconds: body.retry_after_seconds }),
        ...(typeof body.times === 'number' && { times: body.times }),
      });
      return send(res, 200, { scripted: true });
    }
    return send(res, 404, 'not found');
  };

  const server: Server = createServer({ cert: tls.cert, key: tls.key, keepAliveTimeout: 30_000 }, (req, res) => {
    route(req, res).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'local push service failed a request');
      if (!res.headersSent) send(res, 500, 'internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  origin = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    origin,
    certificatePem: tls.cert,
    createSubscription,
    respondWith(subscriptionId, answer) {
      const state = subscriptions.get(subscriptionId);
      if (!state) throw new Error(`unknown subscription ${subscriptionId}`);
      state.script.push({ ...answer });
    },
    messages: (subscriptionId) => [...(subscriptions.get(subscriptionId)?.messages ?? [])],
    decrypt,
    get acceptedCount() {
      return acceptedCount;
    },
    get refusedCount() {
      return refusedCount;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
