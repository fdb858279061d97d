import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './shared/queue/postgres/queue-schema.ts',
  out: './shared/queue/postgres/migrations',
});
