import { checkClean, printTable, rssMiB, runLoad, startBenchGateway, type LoadResult } from './support';

/**
 * Issue 3's acceptance figure: a key-authenticated `heartbeat` against an unauthenticated
 * `{ __typename }`, on one server in one run. The cases alternate in short rounds (order flipped
 * every round) and the figure is the median of each round's ratio, so a burst of load from other
 * processes on this shared machine skews one round rather than the result.
 * Target: keyed req/s >= 0.8 x anonymous req/s. The gateway and autocannon share this process.
 *   BENCH_CONNECTIONS (20), BENCH_SECONDS per round and case (2), BENCH_ROUNDS (10).
 */
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const durationSeconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const TARGET_RATIO = 0.8;

async function main(): Promise<void> {
  const bench = await startBenchGateway();
  try {
    const admin = { authorization: await bench.loginAdmin() };
    const { createProject } = await bench.gql('mutation { createProject(input: { name: "bench" }) { id } }', {}, admin);
    const { createProcessingService } = await bench.gql(
      'mutation ($projectId: ID!) { createProcessingService(input: { name: "bench worker", projectIds: [$projectId] }) { id } }',
      { projectId: createProject.id },
      admin,
    );
    const { generateKey } = await bench.gql(
      'mutation ($id: ID!) { generateKey(processingServiceId: $id) { key } }',
      { id: createProcessingService.id },
      admin,
    );

    const cases = {
      keyed: {
        label: 'heartbeat (Api-Key)',
        body: JSON.stringify({
          query: 'mutation { heartbeat(clientInfo: { hostname: "bench-host", software: "bench", version: "1" }) { id } }',
        }),
        headers: { authorization: `Api-Key ${generateKey.key}` },
      },
      anonymous: { label: '{ __typename } (anonymous)', body: JSON.stringify({ query: '{ __typename }' }), headers: {} },
    };
    const load = (which: keyof typeof cases, seconds: number) =>
      runLoad({ ...cases[which], url: bench.url, connections, durationSeconds: seconds });

    const rssBefore = rssMiB();
    console.log(`warm-up: 6 s each, alternating; then ${rounds} alternating rounds of ${durationSeconds} s, ${connections} connections`);
    const warmups = [await load('anonymous', 4), await load('keyed', 4), await load('anonymous', 2), await load('keyed', 2)];
    const results: Record<keyof typeof cases, LoadResult[]> = { keyed: [], anonymous: [] };
    for (let round = 0; round < rounds; round++) {
      const order: (keyof typeof cases)[] = round % 2 === 0 ? ['keyed', 'anonymous'] : ['anonymous', 'keyed'];
      for (const which of order) results[which].push(await load(which, durationSeconds));
    }
    const rssAfter = rssMiB();

    const rows = results.keyed.flatMap((keyedRun, round) => {
      const anonymousRun = results.anonymous[round]!;
      return [keyedRun, anonymousRun].map((r) => ({
        round: round + 1,
        run: r.label,
        'req/s': Math.round(r.requestsPerSecond),
        'p50 ms': r.latencyP50Ms,
        'p99 ms': r.latencyP99Ms,
        'cpu µs/req': r.cpuMicrosPerRequest,
        requests: r.requests,
        non2xx: r.non2xx,
        errors: r.errors + r.graphqlErrors,
      }));
    });
    printTable(rows);
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    };
    const ratios = results.keyed.map((r, round) => r.requestsPerSecond / results.anonymous[round]!.requestsPerSecond);
    const ratio = median(ratios);
    console.log('');
    printTable(
      (['keyed', 'anonymous'] as const).map((which) => ({
        case: cases[which].label,
        'median req/s': Math.round(median(results[which].map((r) => r.requestsPerSecond))),
        'median cpu µs/req': median(results[which].map((r) => r.cpuMicrosPerRequest)),
      })),
    );
    console.log(`\nper-round ratios keyed/anonymous: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    console.log(`median ratio keyed/anonymous: ${ratio.toFixed(3)} (target >= ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`);
    console.log(`process RSS (gateway + load generator): ${rssBefore} MiB before load, ${rssAfter} MiB after`);

    const clean = checkClean([...warmups, ...results.keyed, ...results.anonymous]);
    if (clean && ratio < TARGET_RATIO) process.exitCode = 1;
  } finally {
    await bench.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
