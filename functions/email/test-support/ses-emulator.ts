import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sesLocal from 'aws-ses-v2-local';
import { processEnv } from '../../../shared/config.js';

type StartSes = (config?: { host?: string; port?: number }) => Promise<Server>;
// the package is CommonJS with `exports.default`
const startSes = (sesLocal as unknown as { default?: StartSes }).default ?? (sesLocal as unknown as StartSes);

export const SES_TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface SesEmulator {
  endpoint: string;
  /** Messages the emulator accepted. */
  emails(): Promise<Array<Record<string, any>>>;
  close(): Promise<void>;
}

/** The aws-ses-v2-local emulator on a free port, with an account for GetAccount (our readiness probe). */
export async function startSesEmulator(): Promise<SesEmulator> {
  // the emulator answers GetAccount from this variable of its process (ours)
  processEnv().AWS_SES_ACCOUNT = JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'TRANSACTIONAL',
      ReviewDetails: { CaseId: '1', Status: 'GRANTED' },
      UseCaseDescription: 'test',
      WebsiteURL: 'https://example.com',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: [] },
  });
  const server = await startSes({ host: '127.0.0.1', port: 0 });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    emails: async () => ((await (await fetch(`${endpoint}/store`)).json()) as { emails: Array<Record<string, any>> }).emails,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
