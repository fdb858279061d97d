import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './shared/delivery/delivery-schema.ts',
  out: './shared/delivery/migrations',
});
