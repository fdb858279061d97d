// Dead-letter tooling: npm run dlq -- list [limit] | redrive <id|all> | purge
// Works on whichever queue the environment names (QUEUE_DRIVER, AMQP_URL, SQS_*).
import { loadConfig } from '../shared/config.js';
import { createDb, dbOptionsFrom } from '../shared/db/create-db.js';
import { createLogger } from '../shared/logging/logger.js';
import { createQueue } from '../shared/queue/create-queue.js';

const USAGE = 'usage: npm run dlq -- list [limit] | redrive <id|all> | purge';

async function main(args: string[]): Promise<number> {
  const [command, arg] = args;
  if (!command || !['list', 'redrive', 'purge'].includes(command) || (command === 'redrive' && !arg)) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  if (config.queue.driver === 'memory') {
    console.error('QUEUE_DRIVER is memory: its dead letters live inside the running process. Set AMQP_URL or QUEUE_DRIVER=sqs.');
    return 2;
  }
  // the postgres driver's dead letters are rows of the database (PGlite under DATA_DIR: stop `npm start` first)
  const database = config.queue.driver === 'postgres' ? await createDb(dbOptionsFrom(config)) : undefined;
  const queue = await createQueue(
    config,
    createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, name: 'dlq' }),
    database,
  );
  try {
    if (command === 'list') {
      const limit = arg ? Number(arg) : 50;
      if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${arg}`);
      const [letters, stats] = await Promise.all([queue.deadLetters.list(limit), queue.stats()]);
      console.log(
        `${stats.deadLetterDepth} dead letter(s)${letters.length < stats.deadLetterDepth ? `, showing ${letters.length}` : ''}`,
      );
      for (const d of letters) {
        const body = d.body as { notification_id?: string } | undefined;
        console.log(
          [d.id, d.key ?? '?', `attempts=${d.attempts}`, d.failedAt ?? '-', body?.notification_id ?? '-', d.reason].join('\t'),
        );
      }
    } else if (command === 'redrive') {
      const count = await queue.deadLetters.redrive(arg!);
      console.log(`redrove ${count} message(s)`);
      if (count === 0 && arg !== 'all') return 1;
    } else {
      console.log(`purged ${await queue.deadLetters.purge()} message(s)`);
    }
    return 0;
  } finally {
    await queue.close();
    await database?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
