import { AppError } from '../../../shared/errors.js';

/** `transient`: another try (later, or through another provider) may succeed. `permanent`: it never will for this message. */
export type MailFailureKind = 'transient' | 'permanent';

export interface MailDeliveryErrorOptions {
  provider: string;
  kind: MailFailureKind;
  /** The recipient address does not exist (SMTP 5.1.x, SES permanent bounce): never mail it again. */
  hardBounce?: boolean;
  /** What the provider answered, when it answered. */
  response?: string;
  /**
   * The provider may have taken the message: the call ended without an
   * answer after the message went out (SMTP: no reply after DATA; SES: no
   * HTTP status). Never failed over at once, only retried later on the same
   * provider with the same Message-ID.
   */
  uncertain?: boolean;
  cause?: unknown;
}

/**
 * A provider did not take a message. Built only by `classify-mail-error.ts`
 * (and the guards that refuse before calling a provider). `retryable` follows
 * `kind`, so a handler that lets it escape still gets retry vs dead letter right.
 */
export class MailDeliveryError extends AppError {
  readonly provider: string;
  readonly kind: MailFailureKind;
  readonly hardBounce: boolean;
  readonly response: string | undefined;
  readonly uncertain: boolean;

  constructor(message: string, options: MailDeliveryErrorOptions) {
    super(options.kind === 'transient' ? 'mail_transient_failure' : 'mail_rejected', 502, message, {
      retryable: options.kind === 'transient',
      cause: options.cause,
    });
    this.provider = options.provider;
    this.kind = options.kind;
    this.hardBounce = options.hardBounce ?? false;
    this.response = options.response;
    this.uncertain = options.uncertain ?? false;
  }
}
