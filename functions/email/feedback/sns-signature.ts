import { createVerify } from 'node:crypto';
import { fetchFromSns } from './sns-fetch.js';

/** The fields of an SNS HTTP(S) delivery that the signature covers (plus how to check it). */
export interface SnsEnvelope {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string | undefined;
  Token?: string | undefined;
  SubscribeURL?: string | undefined;
}

/** Port: is this SNS message really from SNS? */
export type SnsSignatureVerifier = (message: SnsEnvelope) => Promise<boolean>;

/** Fetches a signing certificate (PEM) by URL. */
export type CertificateFetcher = (url: string) => Promise<string>;

/** Where AWS serves SNS signing certificates: https, `sns.<region>.amazonaws.com[.cn]`, a `.pem` file. */
export function isAwsSigningCertUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname) && u.pathname.endsWith('.pem');
  } catch {
    return false;
  }
}

/** The canonical string SNS signs: `Key\nValue\n` for a fixed list of keys, per message type. */
export function snsStringToSign(message: SnsEnvelope): string {
  const keys =
    message.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  return keys
    .filter((key) => message[key] !== undefined)
    .map((key) => `${key}\n${message[key]}\n`)
    .join('');
}

/** AWS's certificates over https; only ever called with a URL {@link isAwsSigningCertUrl} accepted, no redirects. */
export const fetchCertificateOverHttps: CertificateFetcher = fetchFromSns;

export interface SnsSignatureVerifierOptions {
  /** How a certificate is obtained. Production: {@link fetchCertificateOverHttps}; tests: a local certificate or public key. */
  fetchCertificate: CertificateFetcher;
  /** Which certificate URLs may be fetched. Default: AWS's own ({@link isAwsSigningCertUrl}). */
  trustCertUrl?: (url: string) => boolean;
  /** Most certificates kept (by host and path); the oldest is dropped past it. Default 32. */
  maxCertificates?: number;
}

/** A certificate's cache key: its host and path, so a query string cannot make every message a new fetch. */
function certificateKey(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

/**
 * Verifies SNS message signatures (SignatureVersion 1: RSA-SHA1, 2:
 * RSA-SHA256) against the certificate at `SigningCertURL`. The certificate
 * source is pluggable because fetching it needs the network: production
 * fetches AWS's certificate over https (a bounded cache by host and path); tests sign with a
 * key of their own and hand its certificate or public key in.
 */
export function createSnsSignatureVerifier(options: SnsSignatureVerifierOptions): SnsSignatureVerifier {
  const trust = options.trustCertUrl ?? isAwsSigningCertUrl;
  const maxCertificates = options.maxCertificates ?? 32;
  const certificates = new Map<string, Promise<string>>();
  return async function verifySnsSignature(message) {
    const algorithm = message.SignatureVersion === '1' ? 'RSA-SHA1' : message.SignatureVersion === '2' ? 'RSA-SHA256' : undefined;
    if (!algorithm || !trust(message.SigningCertURL)) return false;
    const key = certificateKey(message.SigningCertURL);
    let certificate = certificates.get(key);
    if (!certificate) {
      certificate = options.fetchCertificate(message.SigningCertURL);
      certificates.set(key, certificate);
      if (certificates.size > maxCertificates) certificates.delete(certificates.keys().next().value as string);
      // a failed fetch is not remembered, so the next message tries again
      certificate.catch(() => certificates.delete(key));
    }
    try {
      return createVerify(algorithm)
        .update(snsStringToSign(message), 'utf8')
        .verify(await certificate, message.Signature, 'base64');
    } catch {
      return false;
    }
  };
}
