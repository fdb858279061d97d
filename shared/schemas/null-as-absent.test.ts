import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { documentNullAsAbsent, parseNullAsAbsent, safeParseNullAsAbsent } from './null-as-absent.js';

const body = z.strictObject({
  name: z.string(),
  push_token: z.string().optional(),
  priority: z.int().default(5),
  description: z.string().nullable().optional(),
  preferences: z.object({ email: z.boolean(), push: z.boolean().optional() }).optional(),
  device: z.union([z.object({ endpoint: z.url(), ttl: z.int().optional() }), z.object({ token: z.string() })]).optional(),
  tags: z.array(z.string()).optional(),
});

describe('null as absent', () => {
  it('reads null in an optional or defaulted field as the field left out', () => {
    expect(parseNullAsAbsent(body, { name: 'Ada', push_token: null, priority: null })).toEqual({ name: 'Ada', priority: 5 });
  });

  it('applies at any depth, inside objects and union branches', () => {
    const parsed = parseNullAsAbsent(body, {
      name: 'Ada',
      preferences: { email: true, push: null },
      device: { endpoint: 'https://push.example.com/x', ttl: null },
    });
    expect(parsed).toEqual({
      name: 'Ada',
      priority: 5,
      preferences: { email: true },
      device: { endpoint: 'https://push.example.com/x' },
    });
  });

  it('keeps null where the field accepts it (a nullable field means "clear it")', () => {
    expect(parseNullAsAbsent(body, { name: 'Ada', description: null })).toEqual({ name: 'Ada', priority: 5, description: null });
  });

  it('still refuses null in a required field, naming it as null', () => {
    const result = safeParseNullAsAbsent(body, { name: null, push_token: null });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toHaveLength(1);
    expect(result.error!.issues[0]).toMatchObject({ path: ['name'], message: expect.stringContaining('received null') });
  });

  it('refuses null items of a list and unknown fields, and reports the other problems of the value', () => {
    expect(safeParseNullAsAbsent(body, { name: 'Ada', tags: ['a', null] }).success).toBe(false);
    expect(safeParseNullAsAbsent(body, { name: 'Ada', unknown: null }).success).toBe(false);
    const result = safeParseNullAsAbsent(body, { name: 'Ada', push_token: null, priority: 'high' });
    expect(result.error!.issues.map((i) => i.path)).toEqual([['priority']]);
  });

  it('leaves the caller value untouched', () => {
    const value = { name: 'Ada', preferences: { email: true, push: null } };
    parseNullAsAbsent(body, value);
    expect(value).toEqual({ name: 'Ada', preferences: { email: true, push: null } });
  });

  it('documents it: every optional property of the JSON Schema also accepts null, at any depth', () => {
    const json = documentNullAsAbsent(z.toJSONSchema(body, { io: 'input' })) as any;
    expect(json.properties.name).toEqual({ type: 'string' });
    expect(json.properties.push_token).toEqual({ type: ['string', 'null'] });
    expect(json.properties.priority).toMatchObject({ type: ['integer', 'null'], default: 5 });
    expect(json.properties.description).toEqual({ type: ['string', 'null'] });
    expect(json.properties.device.anyOf.at(-1)).toEqual({ type: 'null' });
    const preferences = json.properties.preferences;
    expect(preferences.type).toEqual(['object', 'null']);
    expect(preferences.properties.email).toEqual({ type: 'boolean' });
    expect(preferences.properties.push).toEqual({ type: ['boolean', 'null'] });
    for (const example of [{ name: 'Ada', push_token: null, preferences: { email: true, push: null } }, { name: 'Ada' }]) {
      expect(safeParseNullAsAbsent(body, example).success).toBe(true);
    }
  });
});
