import { randomUUID } from 'node:crypto';
import type { PlatformKit } from './platform-kit.js';

const CHUNK = 1000;

/**
 * A topic of `n` recipients imported in bulk (1,000 a call) and subscribed;
 * `preferencesOf(i)` sets the i-th one's preferences. Returns the topic key
 * and the subscribers' user ids.
 */
export async function createTopicOf(
  kit: PlatformKit,
  n: number,
  preferencesOf: (i: number) => Record<string, unknown> | undefined = () => undefined,
): Promise<{ key: string; ids: string[] }> {
  const key = `fanout-${randomUUID()}`;
  const api = (path: string, body: unknown) => kit.request('POST', path, { auth: kit.sendKey, body });
  const topic = await api('/api/v1/topics', { topic_key: key, name: 'Everyone' });
  if (topic.status !== 201) throw new Error(`topic: ${JSON.stringify(topic.body)}`);
  const ids: string[] = [];
  for (let start = 0; start < n; start += CHUNK) {
    const users = Array.from({ length: Math.min(CHUNK, n - start) }, (_, j) => {
      const preferences = preferencesOf(start + j);
      return { email: `${randomUUID()}@example.com`, name: 'Sub', ...(preferences && { preferences }) };
    });
    const imported = await api('/api/v1/users/bulk', { users });
    if (imported.status !== 207 || imported.body.data.rejected > 0) throw new Error(`bulk: ${JSON.stringify(imported.body)}`);
    const chunk = imported.body.data.items.map((i: { data: { id: string } }) => i.data.id);
    const subscribed = await api(`/api/v1/topics/${key}/subscribers`, { user_ids: chunk });
    if (subscribed.status !== 200) throw new Error(`subscribe: ${JSON.stringify(subscribed.body)}`);
    ids.push(...chunk);
  }
  return { key, ids };
}
