import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSnsSignatureVerifier, isAwsSigningCertUrl, type SnsEnvelope, snsStringToSign } from './sns-signature.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

const signedAt = (certUrl: string): SnsEnvelope => {
  const message: SnsEnvelope = {
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t',
    Message: 'm',
    Timestamp: new Date().toISOString(),
    SignatureVersion: '2',
    Signature: '',
    SigningCertURL: certUrl,
  };
  message.Signature = createSign('RSA-SHA256').update(snsStringToSign(message)).sign(privateKey, 'base64');
  return message;
};

describe('SNS signing certificates', () => {
  it('are trusted only from an AWS SNS host over https', () => {
    expect(isAwsSigningCertUrl('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem')).toBe(true);
    for (const url of [
      'http://sns.eu-west-1.amazonaws.com/a.pem',
      'https://sns.eu-west-1.amazonaws.com.evil.example/a.pem',
      'https://evil.example/sns.eu-west-1.amazonaws.com/a.pem',
      'https://sns.eu-west-1.amazonaws.com/a.txt',
    ])
      expect(isAwsSigningCertUrl(url), url).toBe(false);
  });

  it('are cached by host and path (a query string is no new fetch), and the cache is bounded', async () => {
    const fetched: string[] = [];
    const verify = createSnsSignatureVerifier({
      fetchCertificate: async (url) => (fetched.push(url), pem),
      maxCertificates: 2,
    });
    const base = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService';
    expect(await verify(signedAt(`${base}-a.pem`))).toBe(true);
    expect(await verify(signedAt(`${base}-a.pem?x=1`))).toBe(true);
    expect(await verify(signedAt(`${base}-a.pem?x=2`))).toBe(true);
    expect(fetched).toHaveLength(1);
    expect(await verify(signedAt(`${base}-b.pem`))).toBe(true);
    expect(await verify(signedAt(`${base}-c.pem`))).toBe(true);
    // a third certificate pushed the oldest out
    expect(await verify(signedAt(`${base}-a.pem`))).toBe(true);
    expect(fetched).toHaveLength(4);
  });
});
