import { Agent, request } from 'node:http';

/** What the attacker process is told: where, which documents, how many connections, how long. */
export interface AttackJob {
  url: string;
  documents: { query: string; operationName?: string }[];
  connections: number;
  durationSeconds: number;
}

/** How the gateway answered the attack, by HTTP status. */
export type AttackReport = { requests: number; statuses: Record<string, number>; errors: number };

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Anonymous connections sending the given documents back to back, each made unique by a trailing
 * comment so no parsed-document cache helps. Runs as its own process, started by
 * bench/cpu-exhaustion; reads one JSON job from argv, prints one JSON report.
 */
async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as AttackJob;
  const url = new URL(job.url);
  const report: AttackReport = { requests: 0, statuses: {}, errors: 0 };
  const until = Date.now() + job.durationSeconds * 1000;
  let serial = 0;
  await Promise.all(
    Array.from({ length: job.connections }, async (_, connection) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = connection; Date.now() < until; i++) {
        const document = job.documents[i % job.documents.length]!;
        const body = JSON.stringify({ ...document, query: `${document.query}\n# ${process.pid}-${++serial}` });
        try {
          const status = await post(agent, url, body);
          report.statuses[status] = (report.statuses[status] ?? 0) + 1;
        } catch {
          report.errors++;
        }
        report.requests++;
      }
      agent.destroy();
    }),
  );
  process.stdout.write(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
