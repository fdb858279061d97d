import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { PlatformKit } from './platform-kit.js';

/** Helpers for workflow suites on a {@link PlatformKit}. */
export function workflowKit(kit: PlatformKit) {
  const api = {
    /** A new workflow with `steps` (under a fresh key); returns its key. */
    async define(steps: unknown[], key = `wf-${randomUUID().slice(0, 8)}`): Promise<string> {
      const res = await kit.request('POST', '/api/v1/workflows', { body: { workflow_key: key, name: 'Test flow', steps } });
      if (res.status !== 201) throw new Error(`workflow: ${JSON.stringify(res.body)}`);
      return key;
    },
    trigger(key: string, body: Record<string, unknown>, auth = kit.sendKey) {
      return kit.request('POST', `/api/v1/workflows/${key}/trigger`, { auth, body: { request_id: randomUUID(), ...body } });
    },
    async run(id: string, auth = kit.sendKey) {
      return (await kit.request('GET', `/api/v1/workflow-runs/${id}`, { auth })).body.data;
    },
    /** The run once it is no longer running. */
    async finished(id: string, auth = kit.sendKey, timeout = 20_000) {
      await expect.poll(async () => (await api.run(id, auth)).status, { timeout, interval: 100 }).not.toBe('running');
      return api.run(id, auth);
    },
    async notification(id: string) {
      return (await kit.request('GET', `/api/v1/notifications/${id}`, { auth: kit.adminKey })).body.data;
    },
  };
  return api;
}
