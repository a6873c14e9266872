import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadJob, LoadReport } from './support';

const runFile = promisify(execFile);

/**
 * The part of every wrk script that reports: counts 2xx responses whose body holds `"errors"` in
 * every thread, and prints one JSON line when done (read back by `runWrkScript`).
 */
export const reportingLua = `
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

/** wrk's script for one body: POSTs the body read from WRK_BODY_FILE. Headers come as `-H` arguments. */
const script = `
local file = assert(io.open(os.getenv("WRK_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
${reportingLua}`;

/** The JSON line `reportingLua` prints. */
interface WrkReport {
  requests: number;
  durationMicros: number;
  non2xx: number;
  errors: number;
  graphqlErrors: number;
  p50Micros: number;
  p99Micros: number;
}

/**
 * Runs wrk (one thread) with `script`, which must include `reportingLua`, in a temporary folder
 * holding `files` (named by the environment variable that passes each one's path to the script).
 */
export async function runWrkScript(
  script: string,
  files: Record<string, string>,
  job: { url: string; connections: number; durationSeconds: number; headers?: Record<string, string>; env?: Record<string, string> },
): Promise<LoadReport> {
  const dir = await mkdtemp(join(tmpdir(), 'psgw-wrk-'));
  try {
    const scriptFile = join(dir, 'script.lua');
    await writeFile(scriptFile, script);
    const fileEnv: Record<string, string> = {};
    for (const [variable, content] of Object.entries(files)) {
      fileEnv[variable] = join(dir, variable.toLowerCase());
      await writeFile(fileEnv[variable]!, content);
    }
    const headerArgs = Object.entries(job.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
    const { stdout } = await runFile(
      'wrk',
      ['-t1', `-c${job.connections}`, `-d${job.durationSeconds}s`, '--timeout', '10s', ...headerArgs, '-s', scriptFile, job.url],
      { env: { ...process.env, ...job.env, ...fileEnv } },
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

/** One wrk run (one thread, `connections` connections): wrk, in C, spends far less CPU than autocannon. */
export function runWrk(job: LoadJob): Promise<LoadReport> {
  return runWrkScript(script, { WRK_BODY_FILE: job.body }, job);
}
