import { checkClean, printTable, rssMiB, runLoad, startBenchGateway, type LoadResult } from './support';

/**
 * Issue 3's acceptance figure: a key-authenticated `heartbeat` against an unauthenticated
 * `{ __typename }`, on one server in one run, alternating rounds to spread the machine's noise.
 * Target: keyed req/s >= 0.8 x anonymous req/s.
 *   BENCH_CONNECTIONS (20), BENCH_SECONDS per round (5), BENCH_ROUNDS per case (3).
 */
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const durationSeconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
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
    console.log(`warm-up: 2 s each; then ${rounds} alternating rounds of ${durationSeconds} s, ${connections} connections`);
    const warmups = [await load('anonymous', 2), await load('keyed', 2)];
    const results: Record<keyof typeof cases, LoadResult[]> = { keyed: [], anonymous: [] };
    for (let round = 0; round < rounds; round++) {
      const order: (keyof typeof cases)[] = round % 2 === 0 ? ['keyed', 'anonymous'] : ['anonymous', 'keyed'];
      for (const which of order) results[which].push(await load(which, durationSeconds));
    }
    const rssAfter = rssMiB();

    const rows = [...results.keyed, ...results.anonymous].map((r) => ({
      run: r.label,
      'req/s': Math.round(r.requestsPerSecond),
      'p50 ms': r.latencyP50Ms,
      'p99 ms': r.latencyP99Ms,
      requests: r.requests,
      non2xx: r.non2xx,
      errors: r.errors + r.graphqlErrors,
    }));
    printTable(rows);
    const mean = (list: LoadResult[]) => list.reduce((sum, r) => sum + r.requestsPerSecond, 0) / list.length;
    const keyed = mean(results.keyed);
    const anonymous = mean(results.anonymous);
    const ratio = keyed / anonymous;
    console.log('');
    printTable([
      { case: cases.keyed.label, 'mean req/s': Math.round(keyed) },
      { case: cases.anonymous.label, 'mean req/s': Math.round(anonymous) },
    ]);
    console.log(`\nratio keyed/anonymous: ${ratio.toFixed(3)} (target >= ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'OK' : 'BELOW TARGET'}`);
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
