import { MailDeliveryError } from './mail-delivery-error.js';

/**
 * The one place that turns what a provider said into transient or
 * permanent (and hard bounce). Everything else only reads the result.
 *
 * SMTP (RFC 5321 reply codes, RFC 3463 enhanced codes):
 * - 4xx, connection refused/reset, DNS, TLS, timeouts, authentication: transient
 *   (the relay is busy, greylisting, or down; a retry or another provider helps).
 * - 5xx: permanent. 5.1.x on `RCPT TO` (bad mailbox or domain) is a hard
 *   bounce: the address goes on the suppression list. 5.1.7/5.1.8 are about
 *   our sender, not the recipient, so they never suppress.
 * - Errors nodemailer raises before talking to a server about the message
 *   itself (`EENVELOPE`/`EMESSAGE` without a reply code): permanent.
 * - Anything unknown: transient, so a retry decides rather than a guess.
 * - No reply once the message body went out (timeout, reset or close after
 *   DATA): transient and `uncertain`, the server may have taken it.
 *
 * SES (SESv2 `SendEmail`):
 * - throttling (`TooManyRequestsException`, `LimitExceededException`, 429),
 *   server faults (5xx) and network errors: transient.
 * - account-level refusals (`SendingPausedException`,
 *   `AccountSuspendedException`, `MailFromDomainNotVerifiedException`): transient
 *   too: this provider cannot send anything now, another one in the chain can.
 * - `MessageRejected`, `BadRequestException` and other client faults: permanent.
 * - no HTTP status at all: transient; `uncertain` unless the connection
 *   itself was never made (refused, unknown host, no route), since SES may
 *   have taken a request whose answer was lost.
 */

const TRANSIENT_SMTP_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EAUTH',
  'ENOAUTH',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const PERMANENT_SMTP_CODES = new Set(['EENVELOPE', 'EMESSAGE']);
const SENDER_STATUS = new Set(['5.1.7', '5.1.8']);

interface SmtpErrorShape {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
  rejectedErrors?: SmtpErrorShape[];
}

/** The enhanced status code (`5.1.1`) in an SMTP reply, if any. */
export function enhancedStatus(response: string | undefined): string | undefined {
  return response?.match(/\b([245])\.(\d{1,3})\.(\d{1,3})\b/)?.[0];
}

/** Classify an error from nodemailer's SMTP transport; `bodySent`: the message body had started going out (after DATA). */
export function classifySmtpError(provider: string, error: unknown, bodySent = false): MailDeliveryError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SmtpErrorShape;
  // with one recipient, a refused RCPT TO arrives as EENVELOPE carrying the server's reply in rejectedErrors
  const reply = e.responseCode ? e : (e.rejectedErrors?.find((r) => r.responseCode) ?? e);
  const code = reply.responseCode;
  const response = reply.response ?? e.response;
  const detail = response ?? e.message ?? 'unknown SMTP error';
  const make = (kind: 'transient' | 'permanent', hardBounce = false, uncertain = false) =>
    new MailDeliveryError(`${provider}: ${detail}`, { provider, kind, hardBounce, response, uncertain, cause: error });

  // a reply is a certain answer; none after the body went out leaves it open whether the server kept the message
  if (code === undefined && bodySent) return make('transient', false, true);
  if (code !== undefined && code >= 400 && code < 500) return make('transient');
  if (code !== undefined && code >= 500 && code < 600) {
    const status = enhancedStatus(response);
    const atRecipient = !reply.command || /RCPT/i.test(reply.command);
    const hardBounce = atRecipient && status?.startsWith('5.1.') && !SENDER_STATUS.has(status);
    return make('permanent', hardBounce);
  }
  if (e.code && TRANSIENT_SMTP_CODES.has(e.code)) return make('transient');
  if (e.code && PERMANENT_SMTP_CODES.has(e.code)) return make('permanent');
  return make('transient');
}

const SES_THROTTLING = new Set(['TooManyRequestsException', 'LimitExceededException', 'ThrottlingException', 'Throttling']);
const SES_ACCOUNT_REFUSALS = new Set([
  'SendingPausedException',
  'AccountSuspendedException',
  'MailFromDomainNotVerifiedException',
]);

// the request never left: SES cannot have taken it
const SES_NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SesErrorShape {
  code?: string;
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** Classify an error from the SESv2 client. */
export function classifySesError(provider: string, error: unknown): MailDeliveryError {
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SesErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const make = (kind: 'transient' | 'permanent', uncertain = false) =>
    new MailDeliveryError(`${provider}: ${name}: ${e.message ?? ''}`.trim(), {
      provider,
      kind,
      response: status === undefined ? undefined : `${status} ${name}`,
      uncertain,
      cause: error,
    });

  if (SES_THROTTLING.has(name) || status === 429) return make('transient');
  if (SES_ACCOUNT_REFUSALS.has(name)) return make('transient');
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return make('transient');
  // no HTTP answer at all: certain only when no connection was made
  if (status === undefined) return make('transient', !(e.code && SES_NOT_CONNECTED.has(e.code)) && !neverConnected(e));
  return make('permanent');
}

/** The SDK's connect timeout: the socket never connected, so nothing was sent. */
function neverConnected(e: SesErrorShape): boolean {
  return /without establishing a connection/i.test(e.message ?? '');
}
