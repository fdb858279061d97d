// What a fault scenario says to the platform over HTTP (through its gateway),
// and what the SMTP sink received, per recipient. Shared by the five-process
// stack (fault-stack.ts) and the `npm start` process (start-process.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import type { CapturedMail, CapturingSmtpSink } from '../stack/capturing-smtp-sink.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  // the envelope, as JSON
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Mails at the sink for one recipient, indexed for counting. */
export interface RecipientMail {
  /** Every accepted message, in order. */
  total: number;
  /** Message-ID -> how many times the sink accepted it. */
  byMessageId: Map<string, number>;
  /** X-Notification-Id values seen. */
  notificationIds: Set<string>;
}

export interface PlatformClient {
  api(method: string, path: string, options?: { body?: unknown; auth?: string | null }): Promise<ApiResponse>;
  /** A send-scoped API key. */
  createSendKey(): Promise<string>;
  createUser(): Promise<{ id: string; email: string }>;
  createEmailTemplate(): Promise<string>;
  /** Mails the sink accepted for `email` so far (live view). */
  mailTo(email: string): RecipientMail;
  /** Notifications of `userId` in `status`, from `meta.total` of the list route (with `sendKey`). */
  countWithStatus(sendKey: string, userId: string, status: string): Promise<number>;
}

/** `gatewayUrl` is asked on every call: a restarted platform may listen elsewhere. */
export function createPlatformClient(options: {
  gatewayUrl: () => string;
  adminKey: string;
  sink: CapturingSmtpSink;
}): PlatformClient {
  const byRecipient = new Map<string, RecipientMail>();
  const recipientOf = (email: string): RecipientMail => {
    let entry = byRecipient.get(email);
    if (!entry) byRecipient.set(email, (entry = { total: 0, byMessageId: new Map(), notificationIds: new Set() }));
    return entry;
  };
  options.sink.onMail((mail: CapturedMail) => {
    const entry = recipientOf(mail.to[0] ?? '');
    entry.total++;
    if (mail.messageId) entry.byMessageId.set(mail.messageId, (entry.byMessageId.get(mail.messageId) ?? 0) + 1);
    if (mail.notificationId) entry.notificationIds.add(mail.notificationId);
  });

  async function api(method: string, path: string, opts: { body?: unknown; auth?: string | null } = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    const auth = opts.auth === undefined ? options.adminKey : opts.auth;
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${options.gatewayUrl()}${path}`, {
      method,
      headers,
      ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { raw: text.slice(0, 500) };
    }
    return { status: res.status, headers: res.headers, body };
  }

  return {
    api,
    async createSendKey() {
      const key = await api('POST', '/api/v1/api-keys', { body: { name: 'faults', scopes: ['send'] } });
      if (key.status !== 201) throw new Error(`could not create an API key: ${key.status} ${JSON.stringify(key.body)}`);
      return key.body.data.key as string;
    },
    async createUser() {
      const email = `fault-${randomUUID()}@example.com`;
      const res = await api('POST', '/api/v1/users/', {
        auth: null,
        body: { name: 'Ada', email, password: 'a good password', preferences: { email: true, push: false } },
      });
      if (res.status !== 201) throw new Error(`could not create a user: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.data.id as string, email };
    },
    async createEmailTemplate() {
      const code = `fault_${randomBytes(4).toString('hex')}`;
      const res = await api('POST', '/api/v1/templates', {
        body: {
          template_code: code,
          channel: 'email',
          category: 'onboarding',
          content: { subject: 'Hi {{name}}', html: '<p>Hello {{name}}</p>' },
          variables: [{ name: 'name', required: true }],
        },
      });
      if (res.status !== 201) throw new Error(`could not create a template: ${res.status} ${JSON.stringify(res.body)}`);
      return code;
    },
    mailTo: recipientOf,
    async countWithStatus(sendKey, userId, status) {
      const res = await api('GET', `/api/v1/notifications?user_id=${userId}&status=${status}&limit=1`, { auth: sendKey });
      if (res.status !== 200) throw new Error(`list answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
      return res.body.meta.total as number;
    },
  };
}
