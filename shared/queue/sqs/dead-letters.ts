import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../../logging/logger.js';
import { ROUTING_KEYS } from '../../messages.js';
import type { DeadLetter, DeadLetterTools } from '../queue.js';
import { HEADER, parseBody, publicHeaders, routingKeyOf } from '../wire.js';
import type { SqsCalls } from './sqs-calls.js';
import { attributesOf, MAX_BATCH, toAttributes } from './sqs-message.js';
import type { SqsQueueUrls } from './topology.js';

export interface SqsDeadLettersDeps {
  client: SQSClient;
  calls: SqsCalls;
  ready(): Promise<SqsQueueUrls>;
  logger: Logger;
}

/** A message of the dead-letter queue as a {@link DeadLetter}; one moved by the redrive policy has only its send time. */
export function toDeadLetter(message: Message): DeadLetter {
  const attributes = attributesOf(message.MessageAttributes);
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    id: message.MessageId ?? '',
    key: routingKeyOf(attributes[HEADER.key]),
    reason: attributes[HEADER.reason] ?? 'moved by the SQS redrive policy after too many receives',
    attempts: Number(attributes[HEADER.attempt]) || 0,
    failedAt: attributes[HEADER.failedAt] ?? (Number.isFinite(sent) ? new Date(sent).toISOString() : undefined),
    headers: publicHeaders(attributes),
    body: parseBody(message.Body ?? ''),
  };
}

/**
 * {@link DeadLetterTools} over the dead-letter queue. SQS shows a message
 * only by receiving it: a listing hides what it read for a moment and makes
 * it visible again at once; redrive and purge walk the queue once.
 */
export function createSqsDeadLetters(deps: SqsDeadLettersDeps): DeadLetterTools {
  const { client, calls, ready, logger } = deps;

  /** Take up to `max` dead letters, hidden for `hideSeconds` so the next receive returns others. */
  const receiveDead = async (failed: string, max: number, hideSeconds: number): Promise<Message[]> => {
    const result = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: failed,
        MaxNumberOfMessages: Math.min(MAX_BATCH, max),
        VisibilityTimeout: hideSeconds,
        // a short long-poll asks every SQS server, so an empty answer means empty
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    return result.Messages ?? [];
  };

  /** Walk the dead-letter queue once (what is there now), letting `pick` choose; unpicked ones are released. */
  const walkDead = async (
    pick: (letter: DeadLetter) => 'take' | 'skip' | 'stop',
    onTaken: (taken: Message[]) => Promise<void>,
  ) => {
    const { failed } = await ready();
    let budget = await calls.approximate(failed);
    const seen = new Set<string>();
    const skipped: Message[] = [];
    try {
      while (budget > 0) {
        const messages = (await receiveDead(failed, budget, 60)).filter((m) => !seen.has(m.MessageId!));
        if (messages.length === 0) break;
        const taken: Message[] = [];
        let stop = false;
        for (const m of messages) {
          seen.add(m.MessageId!);
          budget--;
          const choice = stop ? 'skip' : pick(toDeadLetter(m));
          if (choice === 'stop') stop = true;
          (choice === 'skip' ? skipped : taken).push(m);
        }
        if (taken.length > 0) await onTaken(taken);
        if (stop) break;
      }
    } finally {
      await calls
        .release(failed, skipped)
        .catch((err: unknown) => logger.warn({ err }, 'could not release dead letters; they reappear within a minute'));
    }
  };

  return {
    async list(limit = 100) {
      const out: DeadLetter[] = [];
      const { failed } = await ready();
      const held: Message[] = [];
      // stop at the queue's count rather than at an empty receive, which costs a whole long-poll second
      const target = Math.min(limit, await calls.approximate(failed));
      try {
        while (out.length < target) {
          const messages = (await receiveDead(failed, limit - out.length, 30)).filter(
            (m) => !held.some((h) => h.MessageId === m.MessageId),
          );
          if (messages.length === 0) break;
          held.push(...messages);
          out.push(...messages.map(toDeadLetter));
        }
      } finally {
        await calls.release(failed, held);
      }
      return out;
    },
    async redrive(id) {
      const { keys, failed } = await ready();
      let count = 0;
      await walkDead(
        (letter) => {
          if (!letter.key) return 'skip';
          if (id === 'all') return 'take';
          return letter.id === id ? 'stop' : 'skip';
        },
        async (taken) => {
          for (const key of ROUTING_KEYS) {
            const mine = taken.filter((m) => attributesOf(m.MessageAttributes)[HEADER.key] === key);
            if (mine.length === 0) continue;
            const fresh = mine.map((m) => ({
              body: m.Body ?? '',
              attributes: toAttributes({ ...publicHeaders(attributesOf(m.MessageAttributes)), [HEADER.key]: key }),
              delaySeconds: 0,
            }));
            // send before delete: a crash in between leaves a duplicate, never a loss
            await calls.sendAll(keys[key], fresh);
            await calls.deleteAll(failed, mine);
            count += mine.length;
          }
        },
      );
      return count;
    },
    async purge() {
      const { failed } = await ready();
      let count = 0;
      await walkDead(
        () => 'take',
        async (taken) => {
          await calls.deleteAll(failed, taken);
          count += taken.length;
        },
      );
      return count;
    },
  };
}
