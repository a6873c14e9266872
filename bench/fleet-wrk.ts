import { fleetRequests, type FleetJob, type FleetReport } from './fleet-workers';
import { reportingLua, runWrkScript } from './wrk';

/**
 * wrk's script for the fleet: reads each worker's user agent and body (alternate lines of
 * FLEET_FILE) and sends them in turn.
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

${reportingLua}`;

/**
 * The simulated fleet sent by wrk (Debian's package `wrk`), one thread: in C it spends far less of
 * the shared cores per heartbeat than the Node fleet, so more of them go to the gateway.
 */
export async function runFleetWithWrk(job: FleetJob): Promise<FleetReport> {
  const fleet = fleetRequests(job.workers).flatMap((worker) => [worker.userAgent, worker.body]);
  const report = await runWrkScript(script, { FLEET_FILE: `${fleet.join('\n')}\n` }, {
    url: job.url,
    connections: job.concurrency,
    durationSeconds: job.durationSeconds,
    env: { FLEET_AUTHORIZATION: `Api-Key ${job.apiKey}` },
  });
  return {
    heartbeats: report.requests,
    seconds: report.requests / report.requestsPerSecond,
    latencyP50Ms: report.latencyP50Ms,
    latencyP99Ms: report.latencyP99Ms,
    failures: report.non2xx + report.errors + report.graphqlErrors,
    statuses: { non2xx: report.non2xx, errors: report.errors, graphqlErrors: report.graphqlErrors },
  };
}
