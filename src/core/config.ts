import { z } from 'zod/v3';
import { parseNetwork } from './outbound-http';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const positiveSeconds = z.coerce.number().int().min(1).max(86_400);
const milliseconds = z.coerce.number().int().min(1).max(3_600_000);

const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  );

const networkList = commaList.refine(
  (entries) =>
    entries.every((entry) => {
      try {
        parseNetwork(entry);
        return true;
      } catch {
        return false;
      }
    }),
  'must be comma-separated IP addresses or CIDRs',
);

/** Every setting the gateway reads from the environment; `.env.example` documents each one. */
const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z
      .string()
      .regex(/^\d+$/, 'must be a port number from 0 to 65535')
      .transform(Number)
      .pipe(z.number().max(65_535, 'must be a port number from 0 to 65535'))
      .default('4000'),
    LOG_LEVEL: z.enum(logLevels).default('info'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(3_000),
    DATA_DIR: z.string().min(1).default('./data'),
    ADMIN_EMAIL: z.string().email().optional(),
    ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    TRUST_PROXY: commaList,
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(50 * 1024 * 1024).default(1024 * 1024),
    SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(365 * 24 * 3600).default(14 * 24 * 3600),
    API_KEY_CACHE_TTL_SECONDS: positiveSeconds.default(10),
    SESSION_CACHE_TTL_SECONDS: positiveSeconds.default(10),
    HEARTBEAT_WRITE_INTERVAL_SECONDS: positiveSeconds.default(5),
    HEARTBEAT_FLUSH_INTERVAL_MS: milliseconds.default(1_000),
    ONLINE_WINDOW_SECONDS: positiveSeconds.default(60),
    AUTH_FAILURE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(20),
    AUTH_FAILURE_WINDOW_SECONDS: positiveSeconds.default(60),
    ANONYMOUS_WORK_MS_PER_SECOND: z.coerce.number().int().min(1).max(1_000_000).default(50),
    ANONYMOUS_WORK_BURST_MS: z.coerce.number().int().min(1).max(100_000_000).default(1_000),
    ENDPOINT_ALLOWED_NETWORKS: networkList,
    ENDPOINT_DENIED_NETWORKS: networkList,
    ENDPOINT_CONNECT_TIMEOUT_MS: milliseconds.default(5_000),
    ENDPOINT_CHECK_TIMEOUT_MS: milliseconds.default(10_000),
    ENDPOINT_PROCESS_TIMEOUT_MS: milliseconds.default(120_000),
    ENDPOINT_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
    PUSH_HEALTH_CHECK_INTERVAL_SECONDS: positiveSeconds.default(30),
    PUSH_BATCH_SIZE: z.coerce.number().int().min(1).max(100).default(8),
    PUSH_CONCURRENCY_PER_SERVICE: z.coerce.number().int().min(1).max(100).default(4),
    PUSH_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
    PUSH_RETRY_BACKOFF_MS: milliseconds.default(1_000),
    PUSH_POLL_INTERVAL_MS: milliseconds.default(1_000),
    PUSH_IDLE_POLL_INTERVAL_MS: milliseconds.default(10_000),
    PUSH_RUNNER: z.enum(['on', 'off']).default('on'),
    GRAPHQL_EXECUTION: z.enum(['compiled', 'graphql-js']).default('compiled'),
  })
  .refine((c) => Boolean(c.ADMIN_EMAIL) === Boolean(c.ADMIN_PASSWORD), {
    message: 'ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
    path: ['ADMIN_PASSWORD'],
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Variables whose value can carry a credential: a message names them but never shows the value. */
const secretBearing = new Set(['DATABASE_URL', 'ADMIN_PASSWORD']);
const SHOWN_VALUE_LENGTH = 80;

/** `PORT="abc"`, so the person starting the gateway sees what it was given; only the name for a secret. */
function describeVariable(variable: string, value: string | undefined): string {
  if (value === undefined || secretBearing.has(variable)) return variable;
  const shown = value.length > SHOWN_VALUE_LENGTH ? `${value.slice(0, SHOWN_VALUE_LENGTH)}…` : value;
  return `${variable}=${JSON.stringify(shown)}`;
}

/** The issue in words that never repeat the value (the subject shows it, when it may be shown). */
function issueMessage(issue: z.ZodIssue): string {
  if (issue.code === z.ZodIssueCode.invalid_enum_value) return `must be one of ${issue.options.join(', ')}`;
  if (issue.code === z.ZodIssueCode.invalid_type) return `must be a ${issue.expected}`;
  return issue.message;
}

/**
 * Validates the environment. A bad value throws a ConfigError whose message is one line naming
 * the variable and what it was set to, except for a variable that may hold a secret.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = configSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = issue.path.join('.');
    const subject = variable ? describeVariable(variable, present[variable]) : 'environment';
    throw new ConfigError(`Invalid configuration: ${subject}: ${issueMessage(issue)}`);
  }
  return result.data;
}
