import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './functions/gateway/schema.ts',
  out: './functions/gateway/migrations',
});
