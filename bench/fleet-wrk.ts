import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fleetRequests, type FleetJob, type FleetReport } from './fleet-workers';

const runFile = promisify(execFile);

/**
 * wrk's script for the fleet: reads each worker's user agent and body (alternate lines of
 * FLEET_FILE), sends them in turn, counts 2xx answers carrying GraphQL errors, prints one JSON line.
 */
const script = `
local users, bodies = {}, {}
local file = assert(io.open(os.getenv("FLEET_FILE"), "rb"))
while true do
  local agent = file:read("*l")
  if not agent then break end
  table.insert(users, agent)
  table.insert(bodies, file:read("*l"))
end
file:close()
local authorization = os.getenv("FLEET_AUTHORIZATION")
local next = 0

function request()
  local index = next % #users + 1
  next = next + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = authorization,
    ["User-Agent"] = users[index],
  }, bodies[index])
end

graphqlErrors = 0
function response(status, headers, body)
  if status < 300 and body:find('"errors"', 1, true) then graphqlErrors = graphqlErrors + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationMicros":%d,"non2xx":%d,"errors":%d,"graphqlErrors":%d,"p50Micros":%d,"p99Micros":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout, graphqlErrors,
    latency:percentile(50), latency:percentile(99)))
end
`;

/**
 * The simulated fleet sent by wrk (Debian's package `wrk`), one thread: in C it spends far less of
 * the shared cores per heartbeat than the Node fleet, so more of them go to the gateway.
 */
export async function runFleetWithWrk(job: FleetJob): Promise<FleetReport> {
  const dir = await mkdtemp(join(tmpdir(), 'psgw-fleet-'));
  try {
    const scriptFile = join(dir, 'fleet.lua');
    const fleetFile = join(dir, 'fleet.txt');
    await writeFile(scriptFile, script);
    await writeFile(fleetFile, fleetRequests(job.workers).flatMap((worker) => [worker.userAgent, worker.body]).join('\n') + '\n');
    const { stdout } = await runFile(
      'wrk',
      ['-t1', `-c${job.concurrency}`, `-d${job.durationSeconds}s`, '--timeout', '10s', '-s', scriptFile, job.url],
      { env: { ...process.env, FLEET_FILE: fleetFile, FLEET_AUTHORIZATION: `Api-Key ${job.apiKey}` } },
    );
    const line = stdout.split('\n').find((text) => text.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk printed no report:\n${stdout}`);
    const report = JSON.parse(line) as { requests: number; durationMicros: number; non2xx: number; errors: number; graphqlErrors: number; p50Micros: number; p99Micros: number };
    return {
      heartbeats: report.requests,
      seconds: report.durationMicros / 1e6,
      latencyP50Ms: report.p50Micros / 1000,
      latencyP99Ms: report.p99Micros / 1000,
      failures: report.non2xx + report.errors + report.graphqlErrors,
      statuses: { non2xx: report.non2xx, errors: report.errors, graphqlErrors: report.graphqlErrors },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
