import { Agent, request } from 'undici';
import { quantile } from './stats';

/**
 * bench:fleet's simulated fleet, in a process of its own so the gateway's CPU is its own:
 * `concurrency` loops send keyed heartbeats, each for the next of `workers` simulated workers in
 * turn, every worker with its own user agent and client info. Reads one JSON job from argv,
 * prints one JSON report.
 */
export interface FleetJob {
  url: string;
  apiKey: string;
  workers: number;
  concurrency: number;
  durationSeconds: number;
}

export interface FleetReport {
  heartbeats: number;
  seconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Answers other than 200 with data and no errors, plus connection errors. */
  failures: number;
  statuses: Record<string, number>;
  /** The fleet's own CPU time per heartbeat, in µs, when known: what it cost the shared cores. */
  cpuMicrosPerHeartbeat?: number;
}

const HEARTBEAT = 'mutation ($clientInfo: ClientInfoInput) { heartbeat(clientInfo: $clientInfo) { id } }';

/** What worker `index` of the fleet sends: its own user agent and what it reports of itself. */
export function simulatedWorker(index: number) {
  const name = `fleet-worker-${String(index).padStart(5, '0')}`;
  return {
    userAgent: `ami-data-companion/0.9.${index % 7} (${name})`,
    clientInfo: { hostname: name, software: 'ami-data-companion', version: `0.9.${index % 7}`, platform: 'Linux 6.1 x86_64' },
  };
}

/** Every worker's user agent and request body, in the order the fleet sends them. */
export function fleetRequests(workers: number): { userAgent: string; body: string }[] {
  return Array.from({ length: workers }, (_, index) => {
    const worker = simulatedWorker(index);
    return { userAgent: worker.userAgent, body: JSON.stringify({ query: HEARTBEAT, variables: { clientInfo: worker.clientInfo } }) };
  });
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as FleetJob;
  const dispatcher = new Agent({ connections: job.concurrency, pipelining: 1 });
  const bodies = fleetRequests(job.workers);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = started + job.durationSeconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const worker = bodies[next++ % bodies.length]!;
      const sent = performance.now();
      try {
        const response = await request(job.url, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/json', authorization: `Api-Key ${job.apiKey}`, 'user-agent': worker.userAgent },
          body: worker.body,
        });
        const text = await response.body.text();
        latencies.push(performance.now() - sent);
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        if (response.statusCode !== 200 || text.includes('"errors"')) failures += 1;
      } catch {
        failures += 1;
        statuses.error = (statuses.error ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await dispatcher.close();
  const report: FleetReport = {
    heartbeats: latencies.length,
    seconds,
    latencyP50Ms: latencies.length ? quantile(latencies, 0.5) : NaN,
    latencyP99Ms: latencies.length ? quantile(latencies, 0.99) : NaN,
    failures,
    statuses,
    cpuMicrosPerHeartbeat: Math.round((cpu.user + cpu.system) / Math.max(1, latencies.length)),
  };
  process.stdout.write(JSON.stringify(report));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
