export interface BandDispatcherOptions<M> {
  /** How many bands; band 0 is the highest. */
  bands: number;
  /** Messages run at once, every band together. */
  concurrency: number;
  /** Handle one message; the slot is free again once it settles. */
  run(message: M): Promise<void>;
  /** Take one message waiting at the broker in `band`'s queue (basic.get), if there is one. */
  fetch(band: number): Promise<M | undefined>;
  /** False once the consumer stops: what was delivered still runs, nothing more is fetched. */
  fetching(): boolean;
}

/**
 * Which message runs next when one consumer reads a queue per priority band
 * (quorum queues keep no priorities of their own).
 *
 * Each band's queue has a consumer of its own with prefetch = concurrency, so
 * a band alone runs at full speed; what they deliver waits here, and a free
 * slot goes to the highest band waiting. That alone is not enough: right
 * after a high message is acked, the next one is still on its way from the
 * broker while a lower one already waits here. So before a lower band runs,
 * every higher band that had messages lately ("may have more") is checked at
 * the broker with basic.get, twice when empty: the broker answers a get only
 * after the deliveries it started before it, so the second answer comes after
 * anything that was in flight. A band found empty is not asked again until it
 * delivers something, so a band that sees no traffic costs nothing.
 *
 * (Consumer priorities would not do: they rank consumers of one queue, not
 * queues. Polling every band with basic.get alone would cost a round trip
 * per message and a sleep when all are empty.)
 */
export function createBandDispatcher<M>(options: BandDispatcherOptions<M>) {
  const { bands, concurrency } = options;
  const waiting: M[][] = Array.from({ length: bands }, () => []);
  // until a band has been found empty, it may hold a backlog (at start, nothing is known)
  const mayHaveMore: boolean[] = Array.from({ length: bands }, () => true);
  let running = 0;
  let pumping = false;
  let scheduled = false;

  const highestWaiting = () => waiting.findIndex((w) => w.length > 0);

  /** A message of a band above `band` still at the broker, if one of them may have more. */
  const claimAbove = async (band: number): Promise<M | undefined> => {
    for (let higher = 0; higher < band; higher++) {
      for (let ask = 0; ask < 2 && mayHaveMore[higher] && options.fetching(); ask++) {
        const message = await options.fetch(higher).catch(() => undefined);
        if (message !== undefined) return message;
        // a delivery of that band arrived meanwhile: pick again from what waits here
        if (waiting[higher]!.length > 0) return undefined;
        if (ask === 1) mayHaveMore[higher] = false;
      }
    }
    return undefined;
  };

  const start = async (message: M) => {
    try {
      await options.run(message);
    } finally {
      running--;
      schedule();
    }
  };

  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (running < concurrency) {
        const band = highestWaiting();
        if (band === -1) break;
        running++;
        let message: M | undefined = band > 0 ? await claimAbove(band) : undefined;
        if (message === undefined) {
          // what waits may have changed while the broker was asked
          const now = highestWaiting();
          message = now === -1 ? undefined : waiting[now]!.shift();
        }
        if (message === undefined) {
          running--;
          continue;
        }
        void start(message);
      }
    } finally {
      pumping = false;
    }
  };

  // deliveries read from one socket chunk all arrive before the pump picks: the highest of them wins
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void pump();
    });
  };

  return {
    /** A message delivered by `band`'s consumer. */
    push(band: number, message: M) {
      waiting[band]!.push(message);
      mayHaveMore[band] = true;
      schedule();
    },
    /** Look again (e.g. after a channel closed under waiting messages). */
    wake: schedule,
    /** Messages delivered and not yet running. */
    get waiting() {
      return waiting.reduce((n, w) => n + w.length, 0);
    },
  };
}
