import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FCM_SCOPE } from '../senders/fcm-auth.js';

/** FCM v1 error codes the fake can answer with, in the real JSON shapes. */
export type FcmScriptedError =
  | 'UNREGISTERED'
  | 'INVALID_TOKEN'
  | 'INVALID_PAYLOAD'
  | 'QUOTA_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'SENDER_ID_MISMATCH';

export interface FakeFcmServer {
  /** Base URL: the FCM endpoint (`/v1/projects/...`) and the token endpoint (`/token`). */
  url: string;
  tokenUrl: string;
  /** A service account key file (JSON text) the fake trusts. */
  serviceAccountJson: string;
  projectId: string;
  /** Answer sends to `token` with `error` (the next `times`, or forever). */
  fail(token: string, error: FcmScriptedError, options?: { times?: number; retryAfterSeconds?: number }): void;
  /** Messages accepted, as posted. */
  accepted: Array<{ message: Record<string, any> }>;
  /** Access tokens issued so far. */
  tokensIssued: number;
  /** Make every issued access token invalid (FCM then answers 401). */
  revokeTokens(): void;
  close(): Promise<void>;
}

const ERRORS: Record<FcmScriptedError, { code: number; status: string; message: string; details: unknown[] }> = {
  UNREGISTERED: {
    code: 404,
    status: 'NOT_FOUND',
    message: 'Requested entity was not found.',
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNREGISTERED' }],
  },
  INVALID_TOKEN: {
    code: 400,
    status: 'INVALID_ARGUMENT',
    message: 'The registration token is not a valid FCM registration token',
    details: [
      { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INVALID_ARGUMENT' },
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [
          { field: 'message.token', description: 'The registration token is not a valid FCM registration token' },
        ],
      },
    ],
  },
  INVALID_PAYLOAD: {
    code: 400,
    status: 'INVALID_ARGUMENT',
    message:
      "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), Field 'ttl', Illegal duration format",
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'message.android.ttl', description: 'Illegal duration format' }],
      },
    ],
  },
  QUOTA_EXCEEDED: {
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message: "Quota exceeded for quota metric 'Send requests'.",
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'QUOTA_EXCEEDED' }],
  },
  UNAVAILABLE: {
    code: 503,
    status: 'UNAVAILABLE',
    message: 'The service is currently unavailable.',
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'UNAVAILABLE' }],
  },
  INTERNAL: {
    code: 500,
    status: 'INTERNAL',
    message: 'Internal error encountered.',
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'INTERNAL' }],
  },
  SENDER_ID_MISMATCH: {
    code: 403,
    status: 'PERMISSION_DENIED',
    message: 'SenderId mismatch',
    details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: 'SENDER_ID_MISMATCH' }],
  },
};

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A local stand-in for Google's OAuth token endpoint and FCM HTTP v1, for
 * tests only (FCM is an external SaaS the tests cannot reach). It speaks the
 * real wire protocol: the JWT bearer grant is verified (RS256 against the
 * service account's key, `aud`, `scope`, `iss`), sends need a Bearer token it
 * issued, and errors come in FCM's google.rpc.Status shape.
 */
export async function startFakeFcmServer(): Promise<FakeFcmServer> {
  const projectId = `test-project-${randomBytes(3).toString('hex')}`;
  const clientEmail = `push@${projectId}.iam.gserviceaccount.com`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const verifyKey = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
  const issued = new Set<string>();
  const script = new Map<string, { error: FcmScriptedError; times: number; retryAfterSeconds?: number }>();
  let url = '';
  let counter = 0;

  const fake: FakeFcmServer = {
    url: '',
    tokenUrl: '',
    serviceAccountJson: '',
    projectId,
    accepted: [],
    tokensIssued: 0,
    fail(token, error, options = {}) {
      script.set(token, {
        error,
        times: options.times ?? Infinity,
        ...(options.retryAfterSeconds !== undefined && { retryAfterSeconds: options.retryAfterSeconds }),
      });
    },
    revokeTokens() {
      issued.clear();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const tokenEndpoint = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams(await readText(req));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return json(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    }
    const [h, p, s] = (form.get('assertion') ?? '').split('.');
    const claims = p ? JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) : {};
    const header = h ? JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) : {};
    const now = Math.floor(Date.now() / 1000);
    const valid =
      header.alg === 'RS256' &&
      verify('sha256', Buffer.from(`${h}.${p}`), verifyKey, Buffer.from(s ?? '', 'base64url')) &&
      claims.iss === clientEmail &&
      claims.aud === fake.tokenUrl &&
      String(claims.scope).split(' ').includes(FCM_SCOPE) &&
      claims.exp > now &&
      claims.exp - claims.iat <= 3600;
    if (!valid) return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
    issued.add(token);
    fake.tokensIssued++;
    json(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  };

  const sendEndpoint = async (req: IncomingMessage, res: ServerResponse, project: string) => {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !issued.has(auth.slice(7))) {
      return json(res, 401, {
        error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' },
      });
    }
    if (project !== projectId) {
      return json(res, 403, {
        error: { code: 403, message: `Permission denied on project ${project}`, status: 'PERMISSION_DENIED' },
      });
    }
    const body = JSON.parse(await readText(req)) as { message: Record<string, any> };
    const scripted = script.get(String(body.message.token));
    if (scripted) {
      scripted.times--;
      if (scripted.times <= 0) script.delete(String(body.message.token));
      const error = ERRORS[scripted.error];
      const headers: Record<string, string> =
        scripted.retryAfterSeconds !== undefined ? { 'retry-after': String(scripted.retryAfterSeconds) } : {};
      return json(res, error.code, { error }, headers);
    }
    fake.accepted.push(body);
    json(res, 200, { name: `projects/${projectId}/messages/0:${Date.now()}%${++counter}` });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', url).pathname;
    const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path);
    const handled =
      req.method === 'POST' && path === '/token'
        ? tokenEndpoint(req, res)
        : req.method === 'POST' && send
          ? sendEndpoint(req, res, decodeURIComponent(send[1]!))
          : Promise.resolve(json(res, 404, { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } }));
    handled.catch(() => json(res, 500, { error: { code: 500, message: 'fake failed', status: 'INTERNAL' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  fake.url = url;
  fake.tokenUrl = `${url}/token`;
  fake.serviceAccountJson = JSON.stringify({
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    client_email: clientEmail,
    token_uri: fake.tokenUrl,
  });
  return fake;
}
