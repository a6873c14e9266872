import autocannon from 'autocannon';
import type { LoadJob, LoadReport } from './support';

/**
 * The autocannon load generator, run as its own process by `runLoad` so the gateway's event loop
 * and CPU figures are the gateway's alone. Reads one JSON job from argv, prints one JSON report.
 */
async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as LoadJob;
  const result = await autocannon({
    url: job.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...job.headers },
    body: job.body,
    connections: job.connections,
    duration: job.durationSeconds,
    // A 2xx answer carrying GraphQL errors is a failed request, not throughput.
    verifyBody: (body) => body !== undefined && !body.includes('"errors"'),
  });
  const report: LoadReport = {
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    graphqlErrors: result.mismatches,
  };
  process.stdout.write(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
