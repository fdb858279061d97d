import { describe, expect, it } from 'vitest';
import { judgeAddress } from './address-policy.js';
import { hostMatches } from './host-patterns.js';

/** Address -> the range it is refused as. */
const REFUSED: Array<[string, string]> = [
  ['127.0.0.1', 'loopback'],
  ['127.255.0.1', 'loopback'],
  ['10.0.0.5', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'metadata'],
  ['169.254.1.1', 'linkLocal'],
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.254', 'carrierGradeNat'],
  ['100.100.100.200', 'metadata'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['240.0.0.1', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fc00::1', 'uniqueLocal'],
  ['fd12:3456::1', 'uniqueLocal'],
  ['fd00:ec2::254', 'metadata'],
  ['fe80::1', 'linkLocal'],
  ['ff02::1', 'multicast'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['::ffff:10.0.0.1', 'private'],
  ['[::ffff:7f00:1]', 'loopback'],
  ['64:ff9b::a00:1', 'rfc6052'], // NAT64 of 10.0.0.1
  ['2002:7f00:1::', '6to4'],
  ['2001::1', 'teredo'],
  ['::127.0.0.1', 'loopback'], // IPv4-compatible (deprecated), judged as the IPv4 address it carries
  ['2001:db8::1', 'reserved'],
  ['127.1', 'not_an_address'], // shorthand forms are names here, never addresses
  ['push.example.com', 'not_an_address'],
];

const PUBLIC: Array<[string, string]> = [
  ['8.8.8.8', '8.8.8.8'],
  ['142.250.185.74', '142.250.185.74'],
  ['100.63.255.255', '100.63.255.255'], // just below CGNAT
  ['172.32.0.1', '172.32.0.1'], // just above 172.16/12
  ['2001:4860:4860::8888', '2001:4860:4860::8888'],
  ['::ffff:8.8.8.8', '8.8.8.8'], // judged and dialled as the IPv4 address it carries
];

describe('address policy', () => {
  it.each(REFUSED)('refuses %s (%s)', (address, range) => {
    expect(judgeAddress(address)).toEqual({ allowed: false, range });
  });

  it.each(PUBLIC)('takes the public address %s', (address, dialled) => {
    expect(judgeAddress(address)).toEqual({ allowed: true, address: dialled });
  });
});

describe('host patterns', () => {
  const patterns = ['fcm.googleapis.com', '*.push.apple.com'];

  it.each([
    ['fcm.googleapis.com', true],
    ['FCM.googleapis.com.', true],
    ['api.push.apple.com', true],
    ['a.b.push.apple.com', true],
    ['push.apple.com', false], // `*.` is below the domain only
    ['evilpush.apple.com', false],
    ['fcm.googleapis.com.evil.example', false],
    ['10.0.0.5.nip.io', false],
  ])('%s matches: %s', (host, expected) => {
    expect(hostMatches(host, patterns)).toBe(expected);
  });

  it('`*` matches every host', () => {
    expect(hostMatches('anything.example', ['*'])).toBe(true);
  });
});
