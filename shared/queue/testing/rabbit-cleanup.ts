import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';

const exec = promisify(execFile);

/**
 * Delete every queue and exchange whose name starts with `run` (a test
 * file's own prefix), wait queues included, so the broker stays clean.
 */
export async function deleteRabbitRun(url: string, run: string): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const list = async (what: 'list_queues' | 'list_exchanges') =>
      (await exec('rabbitmqctl', [what, '-q', '--no-table-headers', 'name'])).stdout.split('\n').filter((n) => n.startsWith(run));
    for (const name of await list('list_queues')) await channel.deleteQueue(name);
    for (const name of await list('list_exchanges')) await channel.deleteExchange(name);
  } finally {
    await connection.close();
  }
}
