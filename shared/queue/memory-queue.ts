import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import { MAX_PRIORITY, type RetryPolicy, ROUTING_KEYS, type RoutingKey, retryPolicies } from '../messages.js';
import { messageTraceHeaders } from '../tracing/message-trace.js';
import { createIdleWaiter, createKeyCounters } from './key-counters.js';
import type { Consumer, DeadLetter, Handler, PublishOptions, Queue } from './queue.js';
import { type Settlement, settle } from './settle.js';
import { parseBody, priorityOf, userHeaders } from './wire.js';

export interface MemoryQueueOptions {
  logger: Logger;
  /** Override retry policies of the catalog (tests shorten the delays). */
  policies?: Partial<Record<RoutingKey, Partial<RetryPolicy>>>;
  /** Jitter source, for tests. */
  random?: () => number;
}

interface Stored {
  id: string;
  key: RoutingKey;
  body: string;
  headers: Record<string, string>;
  priority: number;
  attempt: number;
}

interface DeadStored extends Stored {
  reason: string;
  failedAt: string;
}

/** FIFO with O(1) take from the front; one per priority level. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    // compact now and then so a long-lived queue does not keep every message it ever held
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

class PriorityFifo<T> {
  private levels = Array.from({ length: MAX_PRIORITY + 1 }, () => new Fifo<T>());
  size = 0;
  push(item: T, priority: number): void {
    this.levels[Math.min(MAX_PRIORITY, Math.max(0, priority))]!.push(item);
    this.size++;
  }
  shift(): T | undefined {
    for (let p = MAX_PRIORITY; p >= 0; p--) {
      const item = this.levels[p]!.shift();
      if (item !== undefined) {
        this.size--;
        return item;
      }
    }
    return undefined;
  }
}

interface MemoryConsumer {
  key: RoutingKey;
  run(message: Stored): void;
  hasRoom(): boolean;
}

/**
 * In-process {@link Queue} for fast unit tests (`QUEUE_DRIVER=memory`). Same semantics as the brokers:
 * priorities, retry delays with the policy's backoff, attempt counting, dead
 * letters with reasons, redrive.
 *
 * It is NOT durable: messages live in this process's memory, and retry delays
 * are timers, so a crash or restart loses whatever was queued or waiting.
 * Use Postgres, RabbitMQ or SQS wherever losing a message matters.
 */
export function createMemoryQueue(options: MemoryQueueOptions): Queue {
  const policies = retryPolicies(options.policies);
  const random = options.random ?? Math.random;
  const ready = Object.fromEntries(ROUTING_KEYS.map((k) => [k, new PriorityFifo<Stored>()])) as Record<
    RoutingKey,
    PriorityFifo<Stored>
  >;
  const consumers = Object.fromEntries(ROUTING_KEYS.map((k) => [k, [] as MemoryConsumer[]])) as Record<
    RoutingKey,
    MemoryConsumer[]
  >;
  const dead: DeadStored[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const counters = createKeyCounters();
  const pumpScheduled = new Set<RoutingKey>();
  const activeConsumers = new Set<Consumer>();
  let closed = false;

  const pump = (key: RoutingKey) => {
    pumpScheduled.delete(key);
    const list = consumers[key];
    let idle = 0;
    // round-robin over the consumers with room, so two consumers of one key share the work
    while (ready[key].size > 0 && list.length > 0 && idle < list.length) {
      const consumer = list.shift()!;
      list.push(consumer);
      if (!consumer.hasRoom()) {
        idle++;
        continue;
      }
      idle = 0;
      consumer.run(ready[key].shift()!);
    }
  };
  // batch the dispatch of many publishes made in one tick
  const schedulePump = (key: RoutingKey) => {
    if (pumpScheduled.has(key)) return;
    pumpScheduled.add(key);
    queueMicrotask(() => pump(key));
  };

  const enqueue = (message: Stored, delayMs = 0) => {
    if (delayMs <= 0) {
      ready[message.key].push(message, message.priority);
      schedulePump(message.key);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      enqueue(message);
    }, delayMs);
    timers.add(timer);
  };

  const store = (key: RoutingKey, message: object, headers?: Record<string, string>): Stored => ({
    id: randomUUID(),
    key,
    body: JSON.stringify(message),
    headers: { ...messageTraceHeaders(message), ...userHeaders(headers) },
    priority: priorityOf(message),
    attempt: 1,
  });

  const assertOpen = () => {
    if (closed) throw new Error('memory queue is closed');
  };

  const apply = (message: Stored, settlement: Settlement) => {
    if (settlement.action === 'retry') enqueue({ ...message, attempt: settlement.nextAttempt }, settlement.delayMs);
    else if (settlement.action === 'dead_letter') {
      dead.push({ ...message, reason: settlement.reason, failedAt: new Date().toISOString() });
      counters.deadLettered(message.key);
    }
  };

  const toDeadLetter = (d: DeadStored): DeadLetter => ({
    id: d.id,
    key: d.key,
    reason: d.reason,
    attempts: d.attempt,
    failedAt: d.failedAt,
    headers: d.headers,
    body: parseBody(d.body),
  });

  const queue: Queue = {
    async publish(key, message, publishOptions: PublishOptions = {}) {
      assertOpen();
      enqueue(store(key, message, publishOptions.headers), publishOptions.delayMs);
    },
    async publishMany(key, messages, publishOptions: PublishOptions = {}) {
      assertOpen();
      for (const message of messages) enqueue(store(key, message, publishOptions.headers), publishOptions.delayMs);
    },
    async consume<K extends RoutingKey>(key: K, handler: Handler<K>, consumeOptions: { concurrency?: number } = {}) {
      assertOpen();
      const concurrency = Math.max(1, consumeOptions.concurrency ?? 10);
      const deps = { logger: options.logger, policy: policies[key], random };
      let active = 0;
      let stopped = false;
      const idle = createIdleWaiter(() => active === 0);
      const entry: MemoryConsumer = {
        key,
        hasRoom: () => !stopped && active < concurrency,
        run(message) {
          active++;
          counters.taken(key);
          void settle(
            key,
            message.body,
            { id: message.id, attempt: message.attempt, headers: message.headers },
            handler,
            deps,
          ).then((settlement) => {
            apply(message, settlement);
            active--;
            counters.settled(key);
            idle.notify();
            schedulePump(key);
          });
        },
      };
      consumers[key].push(entry);
      schedulePump(key);
      const consumer: Consumer = {
        async stop() {
          if (!stopped) {
            stopped = true;
            consumers[key].splice(consumers[key].indexOf(entry), 1);
            activeConsumers.delete(consumer);
          }
          await idle.wait();
        },
      };
      activeConsumers.add(consumer);
      return consumer;
    },
    async stats() {
      const depth = Object.fromEntries(ROUTING_KEYS.map((k) => [k, ready[k].size])) as Record<RoutingKey, number>;
      return { keys: counters.snapshot(depth), deadLetterDepth: dead.length };
    },
    deadLetters: {
      async list(limit = 100) {
        return dead.slice(0, limit).map(toDeadLetter);
      },
      async redrive(id) {
        const index = id === 'all' ? 0 : dead.findIndex((d) => d.id === id);
        const picked = index < 0 ? [] : dead.splice(index, id === 'all' ? dead.length : 1);
        for (const d of picked)
          enqueue({ id: d.id, key: d.key, body: d.body, headers: d.headers, priority: d.priority, attempt: 1 });
        return picked.length;
      },
      async purge() {
        return dead.splice(0, dead.length).length;
      },
    },
    async ping() {
      assertOpen();
    },
    async close() {
      if (closed) return;
      await Promise.all([...activeConsumers].map((c) => c.stop()));
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
  return queue;
}
