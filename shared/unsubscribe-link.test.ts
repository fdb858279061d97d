import { describe, expect, it } from 'vitest';
import { createUnsubscribeUrl, signUnsubscribe, verifyUnsubscribe } from './unsubscribe-link.js';

const SECRET = 's'.repeat(32);
const USER = '6f1c2b8e-2f7d-4c1a-9a53-0d4b8f0e7a11';

describe('unsubscribe links', () => {
  it('round-trips through the URL and expires', () => {
    const now = Date.UTC(2030, 0, 1);
    const url = new URL(
      createUnsubscribeUrl({
        baseUrl: 'https://x.example/base',
        secret: SECRET,
        userId: USER,
        category: 'news',
        ttlMs: 60_000,
        nowMs: now,
      }),
    );
    const claim = { userId: USER, category: url.searchParams.get('category')!, expires: Number(url.searchParams.get('expires')) };

    expect(url.pathname).toBe(`/base/api/v1/users/${USER}/unsubscribe`);
    expect(verifyUnsubscribe(SECRET, claim, url.searchParams.get('sig')!, now)).toEqual({ ok: true });
    expect(verifyUnsubscribe(SECRET, claim, url.searchParams.get('sig')!, now + 61_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses another category, user, expiry or secret', () => {
    const claim = { userId: USER, category: 'news', expires: 4_000_000_000 };
    const sig = signUnsubscribe(SECRET, claim);
    expect(verifyUnsubscribe(SECRET, { ...claim, category: 'security' }, sig).ok).toBe(false);
    expect(verifyUnsubscribe(SECRET, { ...claim, expires: claim.expires + 1 }, sig).ok).toBe(false);
    expect(verifyUnsubscribe('t'.repeat(32), claim, sig).ok).toBe(false);
    expect(verifyUnsubscribe(SECRET, claim, `${sig}x`).ok).toBe(false);
  });
});
