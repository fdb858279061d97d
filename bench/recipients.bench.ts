// bench/recipients: importing recipients at scale through the public API.
// 100,000 recipients through POST /api/v1/users/bulk (1,000 a call) against
// the same rows written straight into Postgres by this process (the
// database's own speed, the baseline), and the old way (one sign-up per
// recipient, with a password to hash). Run: `BENCHES=recipients npm run bench`
// (needs DATABASE_URL, REDIS_URL, AMQP_URL; stop any `npm start` first: it uses ports 8000-8002).
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { openBenchPlatform } from './lib/bench-platform.js';
import { cpuMsOf, spawnTs, waitForOk } from './lib/processes.js';
import { progress } from './lib/progress.js';

export interface RecipientsBenchRow {
  case: string;
  throughput: number;
  unit: string;
  ratio: number | null;
  /** CPU of the platform's process per item, when it ran the case. */
  cpuMsPerItem?: number;
  peakRssMiB?: number;
  note?: string;
}

const GATEWAY = 'http://127.0.0.1:8000';
const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const PER_CALL = 1000;
/** Calls in flight at once, as a sync job with a few workers would send them. */
const IN_FLIGHT = 2;

async function api(method: string, path: string, key: string | null, body?: unknown) {
  const res = await fetch(`${GATEWAY}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const parsed = (await res.json()) as { data: any };
  if (!res.ok && res.status !== 207) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed).slice(0, 300)}`);
  return parsed.data;
}

/** A recipient as a CRM export would give it. */
function recipient(i: number, run: string) {
  return {
    external_id: `crm-${run}-${i}`,
    email: `r${i}-${run}@example.com`,
    name: `Recipient ${i}`,
    preferences: { email: true, push: i % 3 !== 0, language: i % 2 ? 'en' : 'fr', timezone: 'Europe/Paris' },
  };
}

/** Send every chunk of `items` with `inFlight` calls at once; resolves with the seconds it took. */
async function importAll(sendKey: string, items: unknown[], label: string): Promise<number> {
  const chunks: unknown[][] = [];
  for (let i = 0; i < items.length; i += PER_CALL) chunks.push(items.slice(i, i + PER_CALL));
  const done = progress(label, items.length / 5_000);
  const started = performance.now();
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++]!;
          const answer = await api('POST', '/api/v1/users/bulk', sendKey, { users: chunk });
          if (answer.rejected > 0) throw new Error(`${answer.rejected} recipients refused: ${JSON.stringify(answer.items[0])}`);
        }
      }),
    );
  } finally {
    done();
  }
  return (performance.now() - started) / 1000;
}

/** The baseline: the same rows straight into Postgres, 1,000 per statement (users, then their preferences). */
async function rawImport(sql: postgres.Sql, items: Array<ReturnType<typeof recipient>>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < items.length; i += PER_CALL) {
    const rows = items.slice(i, i + PER_CALL).map((r) => ({ name: r.name, email: r.email, external_id: r.external_id }));
    const ids = await sql<Array<{ id: string }>>`
      insert into users (name, email, external_id)
      select x.name, x.email, x.external_id from jsonb_to_recordset(${sql.json(rows)}) as x(name text, email text, external_id text)
      returning id`;
    await sql`insert into user_preferences (user_id) select value::uuid from jsonb_array_elements_text(${sql.json(ids.map((r) => r.id))})`;
  }
  return (performance.now() - started) / 1000;
}

export async function runRecipientsBench(env: Record<string, string | undefined> = process.env): Promise<RecipientsBenchRow[]> {
  const platform = await openBenchPlatform('bench/recipients', env);
  const system = spawnTs('scripts/start.ts', platform.env, 'system');
  const sql = postgres(platform.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await waitForOk(`${GATEWAY}/health/ready`, 120_000);
    const sendKey = (await api('POST', '/api/v1/api-keys', platform.adminKey, { name: 'bench', scopes: ['send'] })).key as string;

    // baseline: the database alone, then the rows go again so the API starts from the same table
    const rawRun = randomUUID().slice(0, 8);
    const rawSeconds = await rawImport(
      sql,
      Array.from({ length: RECIPIENTS }, (_, i) => recipient(i, rawRun)),
    );
    await sql`delete from users where external_id like ${`crm-${rawRun}-%`}`;
    await sql`vacuum analyze users`;
    await sql`vacuum analyze user_preferences`;
    const rawRate = RECIPIENTS / rawSeconds;

    // the old way: one sign-up per recipient, each with a password to hash (a sample; it is slow)
    const signUps = 200;
    const signUpStarted = performance.now();
    const signUpDone = progress('sign-ups one by one', signUps / 20);
    let n = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (n < signUps) {
          const i = n++;
          await api('POST', '/api/v1/users', null, {
            name: `Sign-up ${i}`,
            email: `signup-${i}-${rawRun}@example.com`,
            password: 'bench password',
          });
        }
      }),
    );
    signUpDone();
    const signUpRate = signUps / ((performance.now() - signUpStarted) / 1000);

    const run = randomUUID().slice(0, 8);
    const items = Array.from({ length: RECIPIENTS }, (_, i) => recipient(i, run));
    const cpuBefore = cpuMsOf(system.child.pid!);
    const importSeconds = await importAll(sendKey, items, `bulk import of ${RECIPIENTS.toLocaleString('en-US')}`);
    const importCpu = cpuMsOf(system.child.pid!) - cpuBefore;
    const cpuBeforeAgain = cpuMsOf(system.child.pid!);
    const againSeconds = await importAll(sendKey, items, 'the same again (all unchanged)');
    const againCpu = cpuMsOf(system.child.pid!) - cpuBeforeAgain;
    const [counted] = await sql<
      Array<{ n: number }>
    >`select count(*)::int as n from users where external_id like ${`crm-${run}-%`}`;
    const stored = counted?.n;
    if (stored !== RECIPIENTS) throw new Error(`${stored} recipients stored, expected ${RECIPIENTS}`);

    const rss = system.peakRssMiB();
    const importRate = RECIPIENTS / importSeconds;
    return [
      {
        case: `raw Postgres insert, 1,000 per statement (baseline), ${RECIPIENTS.toLocaleString('en-US')}`,
        throughput: rawRate,
        unit: 'recipients/s',
        ratio: 1,
      },
      {
        case: 'POST /api/v1/users one by one (sign-up, password hashed)',
        throughput: signUpRate,
        unit: 'recipients/s',
        ratio: signUpRate / rawRate,
        peakRssMiB: rss,
      },
      {
        case: `POST /api/v1/users/bulk, 1,000 per call, ${RECIPIENTS.toLocaleString('en-US')} new (${importSeconds.toFixed(1)} s)`,
        throughput: importRate,
        unit: 'recipients/s',
        ratio: importRate / rawRate,
        cpuMsPerItem: importCpu / RECIPIENTS,
        peakRssMiB: rss,
        note: `goal: ${RECIPIENTS.toLocaleString('en-US')} in under 60 s`,
      },
      {
        case: `POST /api/v1/users/bulk, the same ${RECIPIENTS.toLocaleString('en-US')} again (unchanged)`,
        throughput: RECIPIENTS / againSeconds,
        unit: 'recipients/s',
        ratio: RECIPIENTS / againSeconds / rawRate,
        cpuMsPerItem: againCpu / RECIPIENTS,
        peakRssMiB: rss,
      },
    ];
  } finally {
    await sql.end();
    await system.stop();
    await platform.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.table(await runRecipientsBench());
}
