import { DEFAULT_PUSH_HOSTS } from '../config-push.js';
import type { OutboundPolicy } from '../net/outbound-policy.js';

/**
 * The push endpoint policy of tests: the real push services, plus the local
 * push service on loopback named explicitly (as PUSH_LOCAL_HOSTS does),
 * http allowed as outside production.
 */
export const LOCAL_PUSH_ENDPOINT_POLICY: OutboundPolicy = {
  allowedHosts: DEFAULT_PUSH_HOSTS,
  localHosts: ['127.0.0.1', 'localhost'],
  httpForLocalHosts: true,
};
