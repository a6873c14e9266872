import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadJob, LoadReport } from './support';

const runFile = promisify(execFile);

/**
 * wrk's script: POSTs the body read from WRK_BODY_FILE, counts 2xx responses whose body holds
 * `"errors"`, and prints one JSON line when done. Headers come as `-H` arguments.
 */
const script = `
local file = assert(io.open(os.getenv("WRK_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

local threads = {}
function setup(thread) table.insert(threads, thread) end

graphqlErrors = 0
function response(status, headers, body)
  if status < 300 and body:find('"errors"', 1, true) then graphqlErrors = graphqlErrors + 1 end
end

function done(summary, latency, requests)
  local graphql = 0
  for _, thread in ipairs(threads) do graphql = graphql + thread:get("graphqlErrors") end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationMicros":%d,"non2xx":%d,"errors":%d,"graphqlErrors":%d,"p50Micros":%d,"p99Micros":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout, graphql,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** The JSON line the script's `done` prints. */
interface WrkReport {
  requests: number;
  durationMicros: number;
  non2xx: number;
  errors: number;
  graphqlErrors: number;
  p50Micros: number;
  p99Micros: number;
}

/** One wrk run (one thread, `connections` connections): wrk, in C, spends far less CPU than autocannon. */
export async function runWrk(job: LoadJob): Promise<LoadReport> {
  const dir = await mkdtemp(join(tmpdir(), 'psgw-wrk-'));
  try {
    const scriptFile = join(dir, 'report.lua');
    const bodyFile = join(dir, 'body.json');
    await writeFile(scriptFile, script);
    await writeFile(bodyFile, job.body);
    const headerArgs = Object.entries(job.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
    const { stdout } = await runFile(
      'wrk',
      ['-t1', `-c${job.connections}`, `-d${job.durationSeconds}s`, '--timeout', '10s', ...headerArgs, '-s', scriptFile, job.url],
      { env: { ...process.env, WRK_BODY_FILE: bodyFile } },
    );
    const line = stdout.split('\n').find((text) => text.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk printed no report:\n${stdout}`);
    const report = JSON.parse(line) as WrkReport;
    return {
      requestsPerSecond: report.requests / (report.durationMicros / 1e6),
      latencyP50Ms: report.p50Micros / 1000,
      latencyP99Ms: report.p99Micros / 1000,
      requests: report.requests,
      non2xx: report.non2xx,
      errors: report.errors,
      graphqlErrors: report.graphqlErrors,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
