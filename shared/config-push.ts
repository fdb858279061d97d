import { z } from 'zod';
import { commaList, optionalString, optionalUrl, port, positiveInt } from './config-values.js';

/**
 * The push services browsers and platforms subscribe with: Chrome, Edge on
 * Android, Opera, Samsung (FCM), Firefox (Mozilla autopush), Safari (Apple),
 * Edge on Windows (WNS).
 */
export const DEFAULT_PUSH_HOSTS = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.services.mozilla.com',
  'web.push.apple.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** `npm start` runs a local push service on localhost (scripts/start.ts); in development its endpoints are taken. */
const DEV_PUSH_LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The variables of push delivery (endpoints, devices, Web Push, FCM), merged into the one environment schema (`shared/config.ts`). */
export const pushEnv = {
  VAPID_PUBLIC_KEY: optionalString,
  VAPID_PRIVATE_KEY: optionalString,
  VAPID_SUBJECT: optionalString,
  /** Push services a device endpoint may name (`*.push.apple.com` patterns, `*` for any public host). */
  PUSH_HOST_ALLOWLIST: commaList(z.string().min(1)),
  /** Hosts whose push endpoints may be local addresses (development and tests: a local push service). */
  PUSH_LOCAL_HOSTS: commaList(z.string().min(1)),
  /** Renamed to PUSH_LOCAL_HOSTS; refused, so an old setting cannot silently stop meaning anything. */
  PUSH_ENDPOINT_ALLOWLIST: optionalString,
  PUSH_MAX_DEVICES_PER_USER: positiveInt.default(20),
  PUSH_CONCURRENCY: positiveInt.default(32),
  PUSH_DEFAULT_TTL_SECONDS: z.coerce.number().int().min(0).max(2_419_200).default(86_400),
  PUSH_DEFAULT_URGENCY: z.enum(['very-low', 'low', 'normal', 'high']).default('normal'),
  PUSH_REQUEST_TIMEOUT_MS: positiveInt.default(10_000),
  PUSH_CA_FILE: optionalString,
  FCM_SERVICE_ACCOUNT_PATH: optionalString,
  FCM_SERVICE_ACCOUNT_JSON: optionalString,
  FCM_PROJECT_ID: optionalString,
  FCM_ENDPOINT: z.url().default('https://fcm.googleapis.com'),
  FCM_TOKEN_URL: optionalUrl,
  LOCAL_PUSH_SERVICE_PORT: port.default(8090),
};

type PushEnv = z.output<ReturnType<typeof z.object<typeof pushEnv>>>;

/** The Web Push VAPID key pair and subject (`Config['vapid']`). */
export interface VapidSettings {
  publicKey: string | undefined;
  privateKey: string | undefined;
  subject: string | undefined;
}

/** The push function's settings (`Config['push']`). */
export interface PushSettings {
  /**
   * Which push endpoints devices may register and the worker may call:
   * hosts on `allowedHosts` (PUSH_HOST_ALLOWLIST; the real push services
   * by default) on public addresses over https; `localHosts`
   * (PUSH_LOCAL_HOSTS) may be local, and over http only in development
   * and tests.
   */
  endpointPolicy: { allowedHosts: string[]; localHosts: string[]; httpForLocalHosts: boolean };
  /** Devices one user may register (PUSH_MAX_DEVICES_PER_USER); the next one is a 409. */
  maxDevicesPerUser: number;
  concurrency: number;
  defaultTtlSeconds: number;
  defaultUrgency: 'very-low' | 'low' | 'normal' | 'high';
  requestTimeoutMs: number;
  /** Extra CA (PEM file) trusted for push services; in development, the local push service's. */
  caFile: string | undefined;
  fcm: {
    serviceAccountPath: string | undefined;
    serviceAccountJson: string | undefined;
    projectId: string | undefined;
    endpoint: string;
    tokenUrl: string | undefined;
  };
  localServicePort: number;
}

/** Problems of the push settings: a renamed variable still set. */
export function pushProblems(e: PushEnv): string[] {
  return e.PUSH_ENDPOINT_ALLOWLIST !== undefined
    ? ['PUSH_ENDPOINT_ALLOWLIST: renamed to PUSH_LOCAL_HOSTS (push service hosts are PUSH_HOST_ALLOWLIST)']
    : [];
}

export function vapidSettings(e: PushEnv): VapidSettings {
  return { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT };
}

export function pushSettings(e: PushEnv, nodeEnv: 'development' | 'production' | 'test'): PushSettings {
  return {
    endpointPolicy: {
      allowedHosts: e.PUSH_HOST_ALLOWLIST.length > 0 ? e.PUSH_HOST_ALLOWLIST : DEFAULT_PUSH_HOSTS,
      // only development has a default: tests and production name their local hosts or have none
      localHosts: e.PUSH_LOCAL_HOSTS.length > 0 || nodeEnv !== 'development' ? e.PUSH_LOCAL_HOSTS : DEV_PUSH_LOCAL_HOSTS,
      httpForLocalHosts: nodeEnv !== 'production',
    },
    maxDevicesPerUser: e.PUSH_MAX_DEVICES_PER_USER,
    concurrency: e.PUSH_CONCURRENCY,
    defaultTtlSeconds: e.PUSH_DEFAULT_TTL_SECONDS,
    defaultUrgency: e.PUSH_DEFAULT_URGENCY,
    requestTimeoutMs: e.PUSH_REQUEST_TIMEOUT_MS,
    caFile: e.PUSH_CA_FILE,
    fcm: {
      serviceAccountPath: e.FCM_SERVICE_ACCOUNT_PATH,
      serviceAccountJson: e.FCM_SERVICE_ACCOUNT_JSON,
      projectId: e.FCM_PROJECT_ID,
      endpoint: e.FCM_ENDPOINT,
      tokenUrl: e.FCM_TOKEN_URL,
    },
    localServicePort: e.LOCAL_PUSH_SERVICE_PORT,
  };
}
