import { Client } from 'pg';

/** Where the suite's databases come from: a real PostgreSQL server, or the embedded one. */
export type TestDatabaseSource =
  | { kind: 'postgres'; adminUrl: string; template: string }
  | { kind: 'embedded'; snapshotFile: string; reason: string };

export const defaultAdminUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
