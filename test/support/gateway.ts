import type { GraphQLSchema } from 'graphql';
import { Writable } from 'node:stream';
import { expect } from 'vitest';
import type { ExecutionMode } from '../../src/app/compiled-execution';
import { startGateway, type RunningGateway } from '../../src/app/gateway';
import { loadConfig } from '../../src/core/config';
import { createTestDatabase, type TestDatabase } from './test-database';

export const ADMIN = { email: 'admin@example.com', password: 'admin-password-123' };

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
}

export interface TestGateway extends RunningGateway {
  db: TestDatabase;
  /** Every log line the gateway wrote, for assertions that secrets never reach it. */
  logs: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Logs in and returns an Authorization header value. */
  loginAs(email: string, password: string): Promise<string>;
  /**
   * Adds a secret that must never reach the logs or the database. Passwords in variables,
   * credentials in Authorization headers, login tokens and API keys in responses are remembered
   * by `gql` already.
   */
  rememberSecret(secret: string): void;
  /** Checks that no remembered secret appears in the logs or in any row; throws naming where. */
  assertNoSecretsLeaked(): Promise<void>;
  /** Asserts no secret leaked (see `assertNoSecretsLeaked`), then stops and drops the database. */
  close(): Promise<void>;
}

/** Shorter strings could match by accident (and are not real secrets here). */
const MIN_SECRET_LENGTH = 10;
const apiKeyInText = /psk_[0-9A-Za-z]{8}\.[0-9A-Za-z]{38}/g;

/** Secrets in what a test sends: `password` values anywhere in the variables, header credentials. */
function secretsSent(variables: unknown, headers: Record<string, string>): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key?: string) => {
    if (typeof value === 'string' && key && /password/i.test(key)) found.push(value);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(variables);
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'authorization') found.push(value.trim().split(/\s+/).slice(1).join(' '));
  }
  return found;
}

/** Secrets in a response: `token` values (login) and anything shaped like an API key. */
function secretsReceived(text: string, body: unknown): string[] {
  const found = [...text.matchAll(apiKeyInText)].map((match) => match[0]);
  const walk = (value: unknown, key?: string) => {
    if (typeof value === 'string' && key === 'token') found.push(value);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(body);
  return found;
}

/** A real gateway on a fresh database, listening on a loopback port, with the admin bootstrapped. */
/** Signs in through `gql` and answers the Authorization header value of the session. */
export async function loginWith(gql: TestGateway['gql'], email: string, password: string): Promise<string> {
  const result = await gql<{ login: { token: string } }>(
    'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
    { email, password },
  );
  if (!result.body.data) throw new Error(`login failed: ${JSON.stringify(result.body.errors)}`);
  return `Token ${result.body.data.login.token}`;
}

export async function startTestGateway(
  env: Record<string, string> = {},
  options: { schema?: GraphQLSchema } = {},
): Promise<TestGateway> {
  const db = await createTestDatabase();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    PORT: '0',
    LOG_LEVEL: 'debug',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    // The embedded fallback's socket takes one connection; a second one is reset.
    DATABASE_POOL_SIZE: db.realPostgres ? '10' : '1',
    // Background health checks and dispatch would add statements to every count; push tests turn them on.
    PUSH_RUNNER: 'off',
    // Likewise a heartbeat flush; tests flush through the heartbeat service, or set a short interval.
    HEARTBEAT_FLUSH_INTERVAL_MS: '3600000',
    ...env,
  });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, sink, options);
  } catch (error) {
    await db.drop();
    throw error;
  }

  const secrets = new Map<string, string>();
  const rememberSecret = (secret: string, origin = 'rememberSecret') => {
    if (secret.length >= MIN_SECRET_LENGTH && !secrets.has(secret)) secrets.set(secret, origin);
  };
  if (config.ADMIN_PASSWORD) rememberSecret(config.ADMIN_PASSWORD, 'ADMIN_PASSWORD');

  const gql = async <T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> => {
    for (const secret of secretsSent(variables, headers)) rememberSecret(secret, 'a password or credential sent by a test');
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    const body = JSON.parse(text) as GraphQLResponse<T>['body'];
    for (const secret of secretsReceived(text, body)) rememberSecret(secret, 'a token or API key in a response');
    return { status: response.status, headers: response.headers, body };
  };

  const assertNoSecretsLeaked = async () => {
    const problems: string[] = [];
    const forms = (secret: string) => [secret, JSON.stringify(secret).slice(1, -1)];
    let index = 0;
    const numbered = [...secrets].map(([secret, origin]) => ({ secret, label: `secret #${++index} (${origin})` }));
    for (const { secret, label } of numbered) {
      const line = logs.findIndex((entry) => forms(secret).some((form) => entry.includes(form)));
      if (line >= 0) problems.push(`${label} appears in log line ${line + 1}`);
    }
    const connection = gateway.database.orm.em.fork().getConnection();
    const tables: { name: string }[] = await connection.execute(
      `select quote_ident(table_name) as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
    );
    for (const { name } of tables) {
      const rows: { row: string }[] = await connection.execute(`select row_to_json(t)::text as row from ${name} t`);
      for (const { secret, label } of numbered) {
        if (rows.some(({ row }) => forms(secret).some((form) => row.includes(form)))) {
          problems.push(`${label} is stored in table ${name}`);
        }
      }
    }
    if (problems.length > 0) throw new Error(`Plaintext secrets leaked:\n- ${problems.join('\n- ')}`);
  };

  return {
    ...gateway,
    db,
    logs,
    gql,
    loginAs: (email, password) => loginWith(gql, email, password),
    rememberSecret: (secret) => rememberSecret(secret),
    assertNoSecretsLeaked,
    async close() {
      try {
        await assertNoSecretsLeaked();
      } finally {
        await gateway.stop();
        await db.drop();
      }
    },
  };
}

/** Counts the SQL statements `work` sends through this gateway's pool. */
export async function countStatements<T>(gateway: RunningGateway, work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const knex = gateway.database.orm.em.getKnex();
  const statements: string[] = [];
  const listener = (query: { sql: string }) => statements.push(query.sql);
  knex.on('query', listener);
  try {
    const result = await work();
    return { result, statements };
  } finally {
    knex.off('query', listener);
  }
}

/** Both executors the gateway can run operations on; suites that must hold on each run once per mode. */
export const executionModes: readonly ExecutionMode[] = ['compiled', 'graphql-js'];

/** Runs `work` and asserts that `mode`'s executor, and only it, ran the operations it sent. */
export async function servedBy<T>(gateway: RunningGateway, mode: ExecutionMode, work: () => Promise<T>): Promise<T> {
  const before = { ...gateway.app.graphqlExecutions };
  const result = await work();
  const after = gateway.app.graphqlExecutions;
  const ran = { compiled: after.compiled - before.compiled, 'graphql-js': after.graphqlJs - before.graphqlJs };
  expect(ran[mode], `operations run on ${mode}`).toBeGreaterThan(0);
  expect(ran[mode === 'compiled' ? 'graphql-js' : 'compiled'], 'operations run on the other executor').toBe(0);
  return result;
}
