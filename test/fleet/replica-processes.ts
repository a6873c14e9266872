import { randomBytes } from 'node:crypto';
import { ADMIN, loginWith, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { withClient } from '../support/databases';
import { spawnGateway, type GatewayProcess } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** One gateway running as an OS process of its own, spoken to over HTTP only. */
export interface ReplicaProcess extends Pick<TestGateway, 'gql' | 'loginAs'> {
  url: string;
  /** The `application_name` of its database connections, to find them in `pg_stat_activity`. */
  applicationName: string;
  process: GatewayProcess;
}

export interface ReplicaPair {
  a: ReplicaProcess;
  b: ReplicaProcess;
  db: TestDatabase;
  /** Runs SQL on the pair's database over a connection of the test's own. */
  sql<T = Record<string, unknown>>(query: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

function httpClient(url: string): Pick<TestGateway, 'gql' | 'loginAs'> {
  const gql = async <T = any>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
  };
  return {
    gql,
    loginAs: (email, password) => loginWith(gql, email, password),
  };
}

/**
 * Two gateway processes (`node <mainJs>`, as deployed) on one fresh database of real PostgreSQL,
 * both bootstrapping the test admin. `env` is added to both environments.
 */
export async function startReplicaPair(mainJs: string, env: Record<string, string>): Promise<ReplicaPair> {
  const db = await createTestDatabase();
  const tag = randomBytes(3).toString('hex');
  const started: ReplicaProcess[] = [];
  const stop = async () => {
    await Promise.all(started.map((replica) => replica.process.stop()));
    await db.drop();
  };
  try {
    for (const name of ['a', 'b']) {
      const applicationName = `psgw-${name}-${tag}`;
      // node-postgres names every connection, the listener's included, after PGAPPNAME.
      const child = spawnGateway(mainJs, { DATABASE_URL: db.url, ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, PGAPPNAME: applicationName, ...env });
      const outcome = await child.started;
      if (!outcome.listening) throw new Error(`replica ${name} exited with ${outcome.code}:\n${outcome.output}`);
      started.push({ url: outcome.url, applicationName, process: child, ...httpClient(outcome.url) });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    a: started[0]!,
    b: started[1]!,
    db,
    sql: (query, params = []) => withClient(db.url, async (client) => (await client.query(query, params)).rows),
    stop,
  };
}

/**
 * Polls `condition` until it holds or `withinMs` has passed; the milliseconds it took, or null
 * when it never held.
 */
export async function millisecondsUntil(condition: () => Promise<boolean>, withinMs: number): Promise<number | null> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return Math.round(performance.now() - started);
    if (performance.now() - started > withinMs) return null;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
