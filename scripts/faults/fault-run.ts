// What every fault scenario does around its fault: a recipient of its own,
// notifications sent in batches of 1,000 through the gateway, and the tally
// (sent / delivered / lost / duplicated) from the SMTP sink and the API.
import { randomUUID } from 'node:crypto';
import type { ApiResponse, FaultStack } from './fault-stack.js';

/** What a run needs of the platform under test: the five-process stack, or one `npm start` process. */
export type RunTarget = Pick<
  FaultStack,
  'api' | 'sendKey' | 'createUser' | 'createEmailTemplate' | 'mailTo' | 'countWithStatus' | 'deadLetterDepth' | 'logsOf'
>;

export const BATCH_SIZE = 1_000;

export interface FaultRun {
  user: { id: string; email: string };
  templateCode: string;
  /** Notification ids the gateway accepted (202 items). */
  accepted: string[];
  /** Answers that were not 207 while sending (status -> count), e.g. 503 during an outage. */
  refusals: Map<number, number>;
  /** Request bodies of batch `index` (0-based), the same on every try so a retry is a replay. */
  batch(index: number): { notifications: unknown[] };
  /** Send batch `index` until the gateway takes it (a refused try is retried with the same request ids). */
  send(index: number, options?: { timeoutMs?: number }): Promise<void>;
  /** Try batch `index` once; returns the answer (accepted ids are recorded). */
  tryOnce(index: number): Promise<ApiResponse>;
}

export interface Tally {
  sent: number;
  /** Accepted notifications that reached the sink (distinct). */
  delivered: number;
  lost: number;
  /** Extra mails: accepted by the sink more than once under the same Message-ID. */
  duplicated: number;
  /** Notifications the API shows `delivered`. */
  deliveredInApi: number;
}

/** A recipient, a template and `batches` batches of request bodies, nothing sent yet. */
export async function prepareRun(fs: RunTarget, batches: number, perBatch = BATCH_SIZE): Promise<FaultRun> {
  const user = await fs.createUser();
  const templateCode = await fs.createEmailTemplate();
  const bodies = Array.from({ length: batches }, () => ({
    notifications: Array.from({ length: perBatch }, () => ({
      notification_type: 'email',
      user_id: user.id,
      template_code: templateCode,
      variables: { name: 'Ada' },
      request_id: randomUUID(),
      priority: 5,
    })),
  }));
  const accepted = new Set<string>();
  const refusals = new Map<number, number>();

  async function tryOnce(index: number): Promise<ApiResponse> {
    let res: ApiResponse;
    try {
      res = await fs.api('POST', '/api/v1/notifications/batch', { auth: fs.sendKey, body: bodies[index] });
    } catch (err) {
      // no answer at all (reset, timeout): counted as status 0
      refusals.set(0, (refusals.get(0) ?? 0) + 1);
      return { status: 0, headers: new Headers(), body: { error: String(err) } };
    }
    if (res.status === 207) {
      for (const item of res.body.data.items as Array<{ status_code: number; data?: { notification_id: string } }>) {
        if (item.status_code === 202 && item.data) accepted.add(item.data.notification_id);
      }
    } else {
      refusals.set(res.status, (refusals.get(res.status) ?? 0) + 1);
    }
    return res;
  }

  return {
    user,
    templateCode,
    get accepted() {
      return [...accepted];
    },
    refusals,
    batch: (index) => bodies[index]!,
    tryOnce,
    async send(index, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      let last: ApiResponse | undefined;
      while (Date.now() < deadline) {
        last = await tryOnce(index);
        if (last.status === 207 && last.body.data.accepted === bodies[index]!.notifications.length) return;
        if (last.status === 207)
          throw new Error(`batch ${index}: only ${last.body.data.accepted} accepted: ${JSON.stringify(last.body).slice(0, 500)}`);
        // refused (503 with Retry-After, or no answer): the client's retry, same request ids
        const retryAfter = Number(last.headers.get('retry-after')) || 1;
        await new Promise((r) => setTimeout(r, Math.min(retryAfter, 2) * 1000));
      }
      throw new Error(
        `batch ${index} not accepted in time; last answer ${last?.status} ${JSON.stringify(last?.body).slice(0, 300)}`,
      );
    },
  };
}

/** Where the run stands now, from the sink (Message-IDs) and the API (`delivered` count). */
export async function tally(fs: RunTarget, run: FaultRun): Promise<Tally> {
  const accepted = run.accepted;
  const ids = new Set(accepted);
  const mail = fs.mailTo(run.user.email);
  const delivered = accepted.filter((id) => mail.notificationIds.has(id)).length;
  let duplicated = 0;
  for (const [messageId, n] of mail.byMessageId) if (ids.has(messageId.replace(/^<|@.*$/g, ''))) duplicated += n - 1;
  const deliveredInApi = await fs.countWithStatus(run.user.id, 'delivered').catch(() => -1);
  return { sent: accepted.length, delivered, lost: accepted.length - delivered, duplicated, deliveredInApi };
}

/** `fault <name>: sent N delivered N lost N duplicated N`, the line each scenario prints. */
export function resultLine(name: string, t: Tally, extra = ''): string {
  return `fault ${name}: sent ${t.sent} delivered ${t.delivered} lost ${t.lost} duplicated ${t.duplicated}${extra ? ` (${extra})` : ''}\n`;
}

/**
 * Wait until every accepted notification reached the sink and the API shows
 * each one `delivered`; then print the scenario's line. The line is printed
 * on failure too, with what was missing. The wait ends early only when
 * delivery stalls: no mail reached the sink and no status moved for
 * `stallMs` (longer than any quiet period the scenario causes on purpose, a
 * claim or a retry's backoff). A slow machine delivers later, not less, so
 * `timeoutMs` is a generous cap, not the expected time.
 */
export async function settleAndReport(
  fs: RunTarget,
  run: FaultRun,
  name: string,
  options: { stallMs: number; timeoutMs: number; extra?: () => string },
): Promise<Tally> {
  const started = Date.now();
  let t = await tally(fs, run);
  let lastProgressAt = started;
  for (;;) {
    if (t.lost === 0 && t.deliveredInApi === t.sent) break;
    const now = Date.now();
    if (now - lastProgressAt > options.stallMs || now - started > options.timeoutMs) break;
    await new Promise((r) => setTimeout(r, 500));
    const next = await tally(fs, run);
    if (next.delivered !== t.delivered || next.deliveredInApi !== t.deliveredInApi) lastProgressAt = Date.now();
    t = next;
  }
  process.stdout.write(resultLine(name, t, options.extra?.()));
  if (t.lost !== 0 || t.deliveredInApi !== t.sent) {
    const statuses: string[] = [];
    for (const s of ['pending', 'queued', 'sending', 'failed', 'delivered']) {
      statuses.push(`${s}=${await fs.countWithStatus(run.user.id, s).catch(() => '?')}`);
    }
    throw new Error(
      `${name}: ${t.lost} lost, ${t.deliveredInApi}/${t.sent} delivered in the API (${statuses.join(' ')}) ` +
        `after waiting ${Math.round((Date.now() - started) / 1000)} s, the last ${Math.round((Date.now() - lastProgressAt) / 1000)} s without progress; ` +
        `dead letters ${await fs.deadLetterDepth().catch(() => '?')}\n${fs.logsOf('gateway', 'email')}`,
    );
  }
  return t;
}
