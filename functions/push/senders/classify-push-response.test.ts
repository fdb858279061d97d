import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../shared/http/retry-after.js';
import { classifyTransportError, classifyWebPushResponse } from './classify-push-response.js';

describe('classify push responses', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('a 503 with Retry-After keeps the hint and counts against the origin', () => {
    expect(classifyWebPushResponse({ statusCode: 503, headers: { 'retry-after': '10' }, body: '' })).toMatchObject({
      kind: 'retry',
      retryAfterMs: 10_000,
      countsAgainstOrigin: true,
    });
  });

  it('keeps a Location as the message id only on the endpoint origin, never free text from another place', () => {
    const endpoint = 'https://updates.push.services.mozilla.com/wpush/v2/abc';
    const idOf = (location: string) => {
      const result = classifyWebPushResponse({ statusCode: 201, headers: { location }, body: '', endpoint });
      return result.kind === 'delivered' ? result.providerMessageId : 'not delivered';
    };

    expect(idOf('/m/123')).toBe('https://updates.push.services.mozilla.com/m/123');
    expect(idOf('https://updates.push.services.mozilla.com/m/456')).toBe('https://updates.push.services.mozilla.com/m/456');
    expect(idOf('http://10.0.0.5:5432/root:hunter2')).toBeUndefined();
    expect(idOf(`/m/${'x'.repeat(600)}`)).toBeUndefined();
  });

  it('a refused connection is a retry; a certificate error is a configuration error', () => {
    expect(
      classifyTransportError('web_push', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toMatchObject({ kind: 'retry' });
    expect(
      classifyTransportError('web_push', Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })),
    ).toMatchObject({
      kind: 'rejected',
      configuration: true,
    });
  });
});
