import type { GraphQLSchema } from 'graphql';
import { Writable } from 'node:stream';
import { startGateway, type RunningGateway } from '../../src/app';
import { loadConfig } from '../../src/config';
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
  close(): Promise<void>;
}

/** A real gateway on a fresh database, listening on a loopback port, with the admin bootstrapped. */
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
    DATABASE_POOL_SIZE: '10',
    ...env,
  });
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, sink, options);
  } catch (error) {
    await db.drop();
    throw error;
  }

  const gql = async <T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> => {
    const response = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
  };

  return {
    ...gateway,
    db,
    logs,
    gql,
    async loginAs(email, password) {
      const result = await gql<{ login: { token: string } }>(
        'mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }',
        { email, password },
      );
      if (!result.body.data) throw new Error(`login failed: ${JSON.stringify(result.body.errors)}`);
      return `Token ${result.body.data.login.token}`;
    },
    async close() {
      await gateway.stop();
      await db.drop();
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
