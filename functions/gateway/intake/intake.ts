import type { Cache, RateLimitDecision } from '../../../shared/cache/cache.js';
import type { TemplateClient } from '../../../shared/clients/template-client.js';
import type { UserClient } from '../../../shared/clients/user-client.js';
import { ConflictError, NotFoundError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logging/logger.js';
import type { NewEvent, NewNotification, NewOutboxRow, NotificationRow, NotificationStore } from '../notification-store.js';
import {
  errorResult,
  type IntakeCall,
  type IntakeRequest,
  type IntakeResult,
  type Item,
  readRequests,
  separateRepeats,
  type Twins,
  type UnresolvedItem,
} from './intake-call.js';
import { decide, type QuietHoursPolicy } from './intake-decision.js';
import { createIntakeLimits } from './intake-limits.js';
import { createIntakeLookups, EMPTY_LOOKUPS, type Lookups } from './intake-lookups.js';

export type { IntakeRequest, IntakeResult } from './intake-call.js';

export interface IntakeDeps {
  store: NotificationStore;
  users: UserClient;
  templates: TemplateClient;
  cache: Cache;
  logger: Logger;
  limits: { perKeyPerMinute: number; perUserPerMinute: number };
  quietHours: QuietHoursPolicy;
  /** Called after notifications were queued in the outbox, so the relay publishes at once. */
  onQueued: () => void;
}

export interface IntakeOutcome {
  /** In the order of the requests; for a round, each carries its own `rateLimit`. */
  results: IntakeResult[];
  /** The API key's rate-limit state after this call, for `RateLimit-*` headers (none when nothing was valid). */
  rateLimit: RateLimitDecision | undefined;
}

export interface AcceptOptions {
  /**
   * The requests are separate calls (a coalesced round of single intakes):
   * each is rate-limited on its own and its result carries its own
   * `rateLimit`. Otherwise they are one call (a batch).
   */
  eachOnItsOwn?: boolean;
}

/** Admitted items with what was looked up for them (or why the lookup failed). */
interface Admitted {
  items: Item[];
  lookups: Lookups | undefined;
  lookupError: unknown;
}

/**
 * Notification intake, for one request or a batch, as named steps:
 * {@link readRequests shape} each request; {@link resolve} external ids;
 * {@link separateRepeats twins};
 * the rate limits (`intake-limits.ts`), one round trip; {@link lookUpAdmitted
 * look up} user, template and suppression list for what they admitted;
 * {@link answerPastFailedLookup}; {@link decide} each
 * notification (preferences, variables); {@link record} notifications and
 * outbox rows in one statement, where the unique index on (API key, request
 * id) turns a repeated request id into a replay of what is stored (or a 409
 * for a different body). Nothing is published here: the outbox relay does
 * that, so a broker outage never fails an intake.
 */
export function createIntake(deps: IntakeDeps) {
  const lookUp = createIntakeLookups(deps);
  const limits = createIntakeLimits(deps);

  function replayOf(row: NotificationRow, item: Pick<Item, 'hash' | 'requestId'>): IntakeResult {
    if (row.requestHash !== item.hash) {
      return errorResult(
        new ConflictError(`request_id ${item.requestId} was already used with a different request`, {
          details: { notification_id: row.id },
        }),
      );
    }
    return { status: row.response.status, body: row.response.body, replayed: true };
  }

  /** Notifications this key already accepted under these items' request ids, by request id. */
  async function earlierRequests(apiKeyId: string, of: Array<Pick<Item, 'requestId'>>): Promise<Map<string, NotificationRow>> {
    const rows = await deps.store.findByRequestIds(apiKeyId, [...new Set(of.map((i) => i.requestId))]);
    return new Map(rows.map((r) => [r.requestId, r]));
  }

  /**
   * Step "resolve": the requests naming their recipient by external id become
   * items with its user id (one cached lookup per external id), in request
   * order among the others, before any limit is counted, so both names of a
   * recipient share its rate limit. An unknown external id answers as an
   * unknown user id does (404). A failed lookup fails the call, unless those
   * requests were all replays, answered from what is stored.
   */
  async function resolve(call: IntakeCall): Promise<void> {
    const unresolved = call.unresolved;
    if (unresolved.length === 0) return;
    call.unresolved = [];
    const found = await resolveExternalIds(unresolved).catch(async (err: unknown) => {
      const earlier = await earlierRequests(call.apiKeyId, unresolved);
      if (unresolved.some((item) => !earlier.has(item.requestId))) throw err;
      deps.logger.warn({ err }, 'external id lookup failed; those requests were replays, answered from what is stored');
      for (const item of unresolved) call.results[item.index] = replayOf(earlier.get(item.requestId)!, item);
      return undefined;
    });
    if (!found) return;
    for (const item of unresolved) {
      const recipient = found.get(item.body.external_id);
      if (recipient) call.items.push({ ...item, body: { ...item.body, user_id: recipient.id } });
      else call.results[item.index] = errorResult(new NotFoundError(`User with external_id ${item.body.external_id} not found`));
    }
    call.items.sort((a, b) => a.index - b.index);
  }

  async function resolveExternalIds(items: UnresolvedItem[]) {
    // one call to the user function for the batch's ids not in the cache
    return deps.users.findByExternalIds(items.map((item) => item.body.external_id));
  }

  /** Step "look up" for the admitted items; a failure is kept for {@link answerPastFailedLookup}. */
  async function lookUpAdmitted(items: Item[]): Promise<Admitted> {
    if (items.length === 0) return { items, lookups: EMPTY_LOOKUPS, lookupError: undefined };
    return lookUp(items).then(
      (lookups) => ({ items, lookups, lookupError: undefined }),
      (lookupError: unknown) => ({ items, lookups: undefined, lookupError }),
    );
  }

  /**
   * Step "failed lookup": a lookup that failed (user or template function
   * down) fails the call, unless all of it was replays, which are answered
   * from what is stored. Returns the items still to decide.
   */
  async function answerPastFailedLookup(call: IntakeCall, admitted: Admitted): Promise<Item[]> {
    if (admitted.lookupError === undefined || admitted.items.length === 0) return admitted.items;
    const earlier = await earlierRequests(call.apiKeyId, admitted.items);
    if (admitted.items.some((item) => !earlier.has(item.requestId))) throw admitted.lookupError;
    deps.logger.warn({ err: admitted.lookupError }, 'lookup failed; the call held only replays, answered from what is stored');
    for (const item of admitted.items) call.results[item.index] = replayOf(earlier.get(item.requestId)!, item);
    return [];
  }

  /**
   * Step "record": one statement for every notification and outbox row. A
   * request id this key already used (an earlier request, or a concurrent
   * twin that won the unique index) is not inserted, and answers as a replay
   * of what is stored; so do the repeats inside this call.
   */
  async function record(
    call: IntakeCall,
    rows: NewNotification[],
    outboxRows: NewOutboxRow[],
    events: NewEvent[],
    twins: Twins,
    final: Set<Item>,
  ): Promise<void> {
    const inserted = await deps.store.insertAccepted(rows, outboxRows, events);
    const insertedIds = new Set(rows.filter((r) => inserted.has(r.id!)).map((r) => r.requestId));
    const repeatSet = new Set(twins.repeats);
    const settleLater = call.items.filter(
      (item) =>
        (repeatSet.has(item) || !insertedIds.has(item.requestId)) && !final.has(item) && !call.results[item.index]?.replayed,
    );
    if (settleLater.length === 0) return;
    const earlier = await earlierRequests(call.apiKeyId, settleLater);
    for (const item of settleLater) {
      const row = earlier.get(item.requestId);
      if (row) call.results[item.index] = replayOf(row, item);
      // the twin failed rate limits or lookups: this one failed the same way
      else call.results[item.index] ??= call.results[twins.firstOfId.get(item.requestId)!.index]!;
    }
  }

  return {
    async accept(apiKeyId: string, requests: IntakeRequest[], options: AcceptOptions = {}): Promise<IntakeOutcome> {
      const call = readRequests(apiKeyId, requests);
      await resolve(call);
      const twins = separateRepeats(call.items);
      const limited = await (options.eachOnItsOwn ? limits.eachOnItsOwn(call, twins) : limits.asOneCall(call, twins));
      const admitted = await lookUpAdmitted(limited.admitted);
      const toDecide = await answerPastFailedLookup(call, admitted);
      const rows: NewNotification[] = [];
      const outboxRows: NewOutboxRow[] = [];
      const events: NewEvent[] = [];
      for (const item of toDecide) {
        const decision = decide(apiKeyId, item, admitted.lookups ?? EMPTY_LOOKUPS, deps.quietHours);
        call.results[item.index] = decision.result;
        if (decision.row) rows.push(decision.row);
        if (decision.outboxRow) outboxRows.push(decision.outboxRow);
        if (decision.events) events.push(...decision.events);
      }
      await record(call, rows, outboxRows, events, twins, limited.refusedByKey);
      if (outboxRows.length > 0) deps.onQueued();
      const results = options.eachOnItsOwn
        ? call.results.map((result, i) => ({ ...result, rateLimit: limited.keyStates[i] }))
        : call.results;
      return { results, rateLimit: limited.rateLimit };
    },
  };
}

export type Intake = ReturnType<typeof createIntake>;
