import { createDecipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';

/**
 * The browser's side of Web Push encryption (RFC 8291, aes128gcm per
 * RFC 8188), written with node:crypto alone so it shares no code with the
 * `web-push` package that encrypts: a message that decrypts here was really
 * encrypted for this key pair, and arrived intact (AES-GCM authenticates).
 * Used by the local push service and the tests.
 */

/** A subscription's key material as the user agent keeps it. */
export interface UserAgentKeys {
  /** Uncompressed P-256 public key, base64url (the subscription's `keys.p256dh`). */
  p256dh: string;
  /** 16-byte auth secret, base64url (`keys.auth`). */
  auth: string;
  /** The P-256 private key, base64url; never leaves the user agent. */
  privateKey: string;
}

/** A fresh key pair and auth secret, as `PushManager.subscribe()` makes them. */
export function createUserAgentKeys(): UserAgentKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    p256dh: ecdh.getPublicKey().toString('base64url'),
    auth: randomBytes(16).toString('base64url'),
    privateKey: ecdh.getPrivateKey().toString('base64url'),
  };
}

export class PushDecryptionError extends Error {
  override name = 'PushDecryptionError';
}

const hkdf = (ikm: Buffer, salt: Buffer, info: Buffer, length: number) =>
  Buffer.from(hkdfSync('sha256', ikm, salt, info, length));

/**
 * Decrypt one `Content-Encoding: aes128gcm` push message body with the
 * subscription's keys. Throws {@link PushDecryptionError} when the body is
 * malformed or was not encrypted for these keys (or was altered).
 */
export function decryptPushMessage(body: Uint8Array, keys: UserAgentKeys): Buffer {
  const data = Buffer.from(body);
  // RFC 8188 header: salt (16) | record size (4, big endian) | key id length (1) | key id
  if (data.length < 21) throw new PushDecryptionError('body shorter than the aes128gcm header');
  const salt = data.subarray(0, 16);
  const recordSize = data.readUInt32BE(16);
  const idLength = data.readUInt8(20);
  const senderPublicKey = data.subarray(21, 21 + idLength);
  const ciphertext = data.subarray(21 + idLength);
  if (idLength !== 65 || senderPublicKey[0] !== 0x04) throw new PushDecryptionError('key id is not an uncompressed P-256 key');
  if (ciphertext.length < 17) throw new PushDecryptionError('no ciphertext');
  if (ciphertext.length > recordSize) throw new PushDecryptionError('more than one record (push messages are one record)');

  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(keys.privateKey, 'base64url'));
  const userAgentPublic = Buffer.from(keys.p256dh, 'base64url');
  const ecdhSecret = ecdh.computeSecret(senderPublicKey);

  // RFC 8291 section 3.4: IKM from the shared secret, keyed by the auth secret
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), userAgentPublic, senderPublicKey]);
  const ikm = hkdf(ecdhSecret, Buffer.from(keys.auth, 'base64url'), keyInfo, 32);
  // RFC 8188 section 2.2: content encryption key and nonce from the salt
  const cek = hkdf(ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16);
  const nonce = hkdf(ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12);

  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  let padded: Buffer;
  try {
    padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  } catch (error) {
    throw new PushDecryptionError(`authentication failed: not encrypted for these keys, or altered (${String(error)})`);
  }
  // the last record ends with the delimiter 0x02 followed by zero padding
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x02) throw new PushDecryptionError('missing last-record padding delimiter');
  return padded.subarray(0, end);
}
