import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './functions/user/schema.ts',
  out: './functions/user/migrations',
});
