import {
  BadRequestException,
  LimitExceededException,
  MessageRejected,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { classifySesError, classifySmtpError, enhancedStatus } from './classify-mail-error.js';

const smtp = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.response ?? fields.code)), fields);
const meta = (status: number) => ({ $metadata: { httpStatusCode: status } });

describe('classifySmtpError', () => {
  it.each([
    [
      '451 greylisting',
      smtp({ code: 'EENVELOPE', responseCode: 451, response: '451 4.7.1 Greylisted', command: 'RCPT TO' }),
      'transient',
      false,
    ],
    ['421 at greeting', smtp({ code: 'EPROTOCOL', responseCode: 421, response: '421 4.3.2 busy' }), 'transient', false],
    [
      '550 5.1.1 at RCPT',
      smtp({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 User unknown', command: 'RCPT TO' }),
      'permanent',
      true,
    ],
    [
      '553 5.1.3 bad syntax',
      smtp({ code: 'EENVELOPE', responseCode: 553, response: '553 5.1.3 Bad address syntax', command: 'RCPT TO' }),
      'permanent',
      true,
    ],
    [
      '550 5.1.8 bad sender',
      smtp({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.8 Sender rejected', command: 'RCPT TO' }),
      'permanent',
      false,
    ],
    [
      '550 5.1.1 at MAIL FROM',
      smtp({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 nope', command: 'MAIL FROM' }),
      'permanent',
      false,
    ],
    [
      '552 size',
      smtp({ code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Message too big', command: 'DATA' }),
      'permanent',
      false,
    ],
    [
      '550 without enhanced code',
      smtp({ code: 'EENVELOPE', responseCode: 550, response: '550 Rejected', command: 'RCPT TO' }),
      'permanent',
      false,
    ],
    ['refused', smtp({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:1' }), 'transient', false],
    ['timeout', smtp({ code: 'ETIMEDOUT', message: 'Greeting never received' }), 'transient', false],
    ['auth', smtp({ code: 'EAUTH', responseCode: undefined, message: 'Invalid login' }), 'transient', false],
    ['no recipients', smtp({ code: 'EENVELOPE', message: 'No recipients defined' }), 'permanent', false],
    ['unknown', new Error('boom'), 'transient', false],
  ])('%s', (_name, error, kind, hardBounce) => {
    expect(classifySmtpError('smtp', error)).toMatchObject({
      kind,
      hardBounce,
      retryable: kind === 'transient',
      provider: 'smtp',
    });
  });

  it('reads the reply from rejectedErrors when the envelope error has none', () => {
    const error = smtp({
      code: 'EENVELOPE',
      message: 'Can not send mail to any recipient',
      rejectedErrors: [smtp({ responseCode: 550, response: '550 5.1.1 User unknown', command: 'RCPT TO' })],
    });
    expect(classifySmtpError('smtp', error)).toMatchObject({
      kind: 'permanent',
      hardBounce: true,
      response: '550 5.1.1 User unknown',
    });
  });

  it('no reply once the body went out is uncertain; a reply, or no reply before it, is certain', () => {
    const reset = Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION', command: 'CONN' });
    const timeout = Object.assign(new Error('Timeout'), { code: 'ETIMEDOUT', command: 'CONN' });
    const refusedAtEnd = Object.assign(new Error('451'), { responseCode: 451, response: '451 4.3.0 try later', command: 'DATA' });
    expect(classifySmtpError('smtp', reset, true)).toMatchObject({ kind: 'transient', uncertain: true });
    expect(classifySmtpError('smtp', timeout, true)).toMatchObject({ kind: 'transient', uncertain: true });
    expect(classifySmtpError('smtp', reset, false)).toMatchObject({ kind: 'transient', uncertain: false });
    expect(classifySmtpError('smtp', refusedAtEnd, true)).toMatchObject({ kind: 'transient', uncertain: false });
  });

  it('finds the enhanced status code', () => {
    expect(enhancedStatus('550 5.1.1 <x@y>: User unknown')).toBe('5.1.1');
    expect(enhancedStatus('250 Ok')).toBeUndefined();
  });
});

describe('classifySesError (the SDK error classes)', () => {
  it.each([
    ['throttled', new TooManyRequestsException({ message: 'Maximum sending rate exceeded', ...meta(429) }), 'transient'],
    ['quota', new LimitExceededException({ message: 'Daily message quota exceeded', ...meta(400) }), 'transient'],
    ['paused', new SendingPausedException({ message: 'Sending paused', ...meta(400) }), 'transient'],
    ['rejected', new MessageRejected({ message: 'Email address is not verified', ...meta(400) }), 'permanent'],
    ['bad request', new BadRequestException({ message: 'Invalid address', ...meta(400) }), 'permanent'],
    [
      'server fault',
      Object.assign(new Error('InternalFailure'), { name: 'InternalFailure', $fault: 'server', ...meta(500) }),
      'transient',
    ],
    ['no answer', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'transient'],
  ])('%s', (_name, error, kind) => {
    const classified = classifySesError('ses', error);
    expect(classified).toMatchObject({ kind, provider: 'ses', hardBounce: false });
    expect(classified.message).toContain((error as Error).name);
  });

  it('a call without a status is uncertain unless it never connected', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const timedOut = Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    const neverConnected = Object.assign(new Error('Socket timed out without establishing a connection within 10000 ms'), {
      name: 'TimeoutError',
    });
    expect(classifySesError('ses', refused)).toMatchObject({ kind: 'transient', uncertain: false });
    expect(classifySesError('ses', neverConnected)).toMatchObject({ kind: 'transient', uncertain: false });
    expect(classifySesError('ses', reset)).toMatchObject({ kind: 'transient', uncertain: true });
    expect(classifySesError('ses', timedOut)).toMatchObject({ kind: 'transient', uncertain: true });
    expect(classifySesError('ses', new TooManyRequestsException({ message: 'slow down', ...meta(429) }))).toMatchObject({
      uncertain: false,
    });
  });
});
