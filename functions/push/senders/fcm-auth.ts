import { createPrivateKey, type KeyObject, sign } from 'node:crypto';

/** OAuth scope FCM HTTP v1 requires. */
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const DEFAULT_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The fields of a Google service account key file that FCM needs. */
export interface FcmServiceAccount {
  projectId: string;
  clientEmail: string;
  privateKeyPem: string;
  /** Where the JWT bearer grant is exchanged (`token_uri` of the key file). */
  tokenUri: string;
}

/**
 * Read a service account key file (the JSON Firebase console downloads).
 * Throws naming every missing field, so a wrong file fails at startup.
 */
export function parseServiceAccount(json: string): FcmServiceAccount {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error('FCM service account is not JSON');
  }
  const missing = ['project_id', 'client_email', 'private_key'].filter(
    (field) => typeof raw[field] !== 'string' || raw[field] === '',
  );
  if (missing.length > 0) throw new Error(`FCM service account lacks ${missing.join(', ')}`);
  return {
    projectId: raw.project_id as string,
    clientEmail: raw.client_email as string,
    privateKeyPem: raw.private_key as string,
    tokenUri: typeof raw.token_uri === 'string' && raw.token_uri ? raw.token_uri : DEFAULT_TOKEN_URL,
  };
}

/** The token endpoint refused or failed; `retryable` when it was the endpoint's fault (5xx, no answer). */
export class FcmAuthError extends Error {
  override name = 'FcmAuthError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** OAuth2 access tokens for FCM, fetched once and reused until shortly before they expire. */
export interface AccessTokenSource {
  /** A valid access token; rejects with {@link FcmAuthError}. */
  token(): Promise<string>;
  /** Forget the current token (FCM answered 401), so the next call fetches a new one. */
  invalidate(): void;
}

export interface ServiceAccountTokenOptions {
  account: FcmServiceAccount;
  /** Overrides the key file's `token_uri` (emulators, tests). */
  tokenUrl?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  now?: () => number;
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * OAuth2 JWT bearer grant (RFC 7523) with a service account: a JWT signed
 * RS256 with the account's private key is exchanged for an access token at
 * the token endpoint. Concurrent callers share one fetch; the token is
 * renewed five minutes before it expires.
 */
export function createServiceAccountTokenSource(options: ServiceAccountTokenOptions): AccessTokenSource {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const tokenUrl = options.tokenUrl ?? options.account.tokenUri;
  let key: KeyObject | undefined;
  let current: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const assertion = (): string => {
    key ??= createPrivateKey(options.account.privateKeyPem);
    const iat = Math.floor(now() / 1000);
    const unsigned = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({
      iss: options.account.clientEmail,
      scope: FCM_SCOPE,
      aud: tokenUrl,
      iat,
      exp: iat + 3600,
    })}`;
    return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`;
  };

  const fetchToken = async (): Promise<string> => {
    let response: Response;
    try {
      response = await doFetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: assertion() }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new FcmAuthError(`no answer from the OAuth token endpoint: ${(error as Error).message}`, true);
    }
    const body = (await response.json().catch(() => ({}))) as {
      access_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!response.ok || !body.access_token) {
      const said = body.error
        ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}`
        : `HTTP ${response.status}`;
      throw new FcmAuthError(
        `OAuth token endpoint refused the service account (${said})`,
        response.status >= 500 || response.status === 429,
      );
    }
    const lifetimeMs = (body.expires_in ?? 3600) * 1000;
    current = { token: body.access_token, renewAt: now() + Math.max(lifetimeMs - 5 * 60_000, lifetimeMs / 2) };
    return body.access_token;
  };

  return {
    token() {
      if (current && current.renewAt > now()) return Promise.resolve(current.token);
      inFlight ??= fetchToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      current = undefined;
    },
  };
}
