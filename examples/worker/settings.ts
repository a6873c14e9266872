import { z } from 'zod';

const projectIds = z
  .string()
  .transform((value) => value.split(',').map((id) => id.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(/^[1-9][0-9]{0,9}$/, 'must be a comma-separated list of positive integer ids'))
      .min(1, 'must list at least one project id'),
  );

function wholeNumber(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

const environmentSchema = z.object({
  GATEWAY_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .transform((url) => (new URL(url).pathname === '/' ? new URL('/graphql', url).href : url)),
  PROJECT_IDS: projectIds,
  PS_API_KEY: z.string().min(1).optional(),
  GATEWAY_EMAIL: z.string().min(1).optional(),
  GATEWAY_PASSWORD: z.string().min(1).optional(),
  PS_NAME: z.string().min(1).max(255).optional(),
  KEY_FILE: z.string().min(1).default('.worker-key.json'),
  HEARTBEAT_INTERVAL_SECONDS: wholeNumber(1, 3600).default(20),
  REQUEST_TIMEOUT_MS: wholeNumber(100, 300_000).default(10_000),
  REQUEST_MAX_ATTEMPTS: wholeNumber(1, 20).default(5),
  BATCH_SIZE: wholeNumber(1, 100).default(24),
});

/** How the worker gets its key: given, or provisioned with a developer's credentials. */
export type WorkerCredentialSource =
  | { kind: 'api-key'; apiKey: string }
  | { kind: 'provision'; email: string; password: string; serviceName: string; keyFile: string };

export interface WorkerSettings {
  /** The GraphQL endpoint (GATEWAY_URL, with /graphql added when it names only the host). */
  endpoint: string;
  projectIds: string[];
  credentials: WorkerCredentialSource;
  heartbeatIntervalSeconds: number;
  requestTimeoutMs: number;
  maxAttempts: number;
  /** Tasks leased at a time (the original worker's default, 24). */
  batchSize: number;
}

export class WorkerSettingsError extends Error {}

/**
 * Reads the worker's settings from the environment. A bad or missing value throws one line
 * naming the variable, never its value (it may be a key or a password).
 */
export function loadWorkerSettings(env: NodeJS.ProcessEnv, hostname: string): WorkerSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    const message = issue.code === 'invalid_type' && !(variable in present) ? 'is required' : issue.message;
    throw new WorkerSettingsError(`Invalid worker settings: ${variable} ${message}`);
  }
  const settings = result.data;
  const hasUser = Boolean(settings.GATEWAY_EMAIL) || Boolean(settings.GATEWAY_PASSWORD);
  if (settings.PS_API_KEY && hasUser) {
    throw new WorkerSettingsError('Invalid worker settings: set either PS_API_KEY or GATEWAY_EMAIL and GATEWAY_PASSWORD, not both');
  }
  let credentials: WorkerCredentialSource;
  if (settings.PS_API_KEY) {
    credentials = { kind: 'api-key', apiKey: settings.PS_API_KEY };
  } else if (settings.GATEWAY_EMAIL && settings.GATEWAY_PASSWORD) {
    credentials = {
      kind: 'provision',
      email: settings.GATEWAY_EMAIL,
      password: settings.GATEWAY_PASSWORD,
      serviceName: settings.PS_NAME ?? `example worker on ${hostname}`,
      keyFile: settings.KEY_FILE,
    };
  } else {
    throw new WorkerSettingsError(
      `Invalid worker settings: ${hasUser ? 'GATEWAY_EMAIL and GATEWAY_PASSWORD must be set together' : 'PS_API_KEY is required (or GATEWAY_EMAIL and GATEWAY_PASSWORD to self-provision)'}`,
    );
  }
  return {
    endpoint: settings.GATEWAY_URL,
    projectIds: settings.PROJECT_IDS,
    credentials,
    heartbeatIntervalSeconds: settings.HEARTBEAT_INTERVAL_SECONDS,
    requestTimeoutMs: settings.REQUEST_TIMEOUT_MS,
    maxAttempts: settings.REQUEST_MAX_ATTEMPTS,
    batchSize: settings.BATCH_SIZE,
  };
}
