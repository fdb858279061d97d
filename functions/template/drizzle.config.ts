import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './functions/template/schema.ts',
  out: './functions/template/migrations',
});
