import { performance } from 'node:perf_hooks';
import { PROCESSING_SERVICES_PAGE } from '../examples/ui/processing-services-page';
import { median } from './stats';
import { alternateRounds, checkClean, envNumber, printTable, MEMORY_TARGETS, printMedians, printRounds, reportTarget, rssMiB, runBench, runLoad, startBenchGateway, type BenchGateway } from './support';

/**
 * Issue 4's API figures, on one server in one run:
 * 1. req/s of the UI's `processingServices` for 100 services with every nested field, next to
 *    `{ __typename }` with the same credentials, connections and duration. The two alternate in
 *    short rounds (order flipped every round) so a burst from other processes on this shared
 *    machine skews one round, not the result; medians are reported.
 * 2. `registerPipelines` of 20 pipelines x 5 algorithms: first (creating everything; median of
 *    fresh payloads) and repeated (idempotent; median of repeats), in ms of wall time per call.
 * The load generator runs in a process of its own, so RSS and CPU are the gateway's. After every
 * load run the bench waits for the server to finish what the closed connections left in flight, so
 * one case's backlog is not charged to the next. `npm run bench:api` sets NODE_ENV=production as a
 * deployment would: graphql-js otherwise adds a cross-realm check to its type tests.
 *   BENCH_CONNECTIONS (10), BENCH_SECONDS per round and case (5), BENCH_ROUNDS (4),
 *   BENCH_REPEATS registerPipelines calls per case (5).
 */
const connections = envNumber('BENCH_CONNECTIONS', 10);
const durationSeconds = envNumber('BENCH_SECONDS', 5);
const rounds = envNumber('BENCH_ROUNDS', 4);
const repeats = envNumber('BENCH_REPEATS', 5);
const SERVICES = 100;

const REGISTER = `mutation ($projectId: ID!, $pipelines: [PipelineConfigInput!]!, $clientInfo: ClientInfoInput) {
  registerPipelines(projectId: $projectId, pipelines: $pipelines, clientInfo: $clientInfo) {
    success pipelinesCreated { id } algorithmsCreated { id }
  }
}`;

const labels = ['Noctuidae', 'Geometridae', 'Erebidae', 'Sphingidae', 'Crambidae'];

/** `count` pipelines of `algorithms` steps each; a classifier (with a category map) ends every chain. */
function pipelinePayload(tag: string, count: number, algorithms: number) {
  return Array.from({ length: count }, (_, p) => ({
    name: `Pipeline ${tag} ${p}`,
    slug: `${tag}-pipeline-${p}`,
    version: 1,
    description: 'bench',
    stages: [{ key: 'detect', name: 'Detect', params: [{ name: 'Threshold', key: 'threshold', category: 'default' }] }],
    algorithms: Array.from({ length: algorithms }, (_, a) =>
      a === algorithms - 1
        ? {
            name: `Classifier ${tag} ${p}`,
            key: `${tag}-classifier-${p}`,
            taskType: 'CLASSIFICATION',
            categoryMap: { data: labels.map((label, index) => ({ index, label })), labels },
          }
        : { name: `Step ${a}`, key: `${tag}-step-${p}-${a}`, taskType: a === 0 ? 'DETECTION' : 'TRACKING' },
    ),
  }));
}

/**
 * The UI's view of a busy project, built through the API itself: 100 services, each with a key
 * (half of them rotated once, so a revoked key too) and two registered pipelines of three
 * algorithms (one shared by all), which also leaves a heartbeat and client info on each.
 */
async function seed(bench: BenchGateway, admin: Record<string, string>): Promise<{ projectId: string; manager: Record<string, string> }> {
  const { createProject } = await bench.gql('mutation { createProject(input: { name: "bench" }) { id } }', {}, admin);
  const projectId: string = createProject.id;
  const email = 'bench-manager@example.com';
  const password = 'bench-manager-password';
  await bench.gql('mutation ($email: String!, $password: String!) { createUser(input: { email: $email, password: $password }) { id } }', { email, password }, admin);
  await bench.gql(
    'mutation ($projectId: ID!, $email: String!) { addProjectMember(projectId: $projectId, email: $email, role: PROJECT_MANAGER) { id } }',
    { projectId, email },
    admin,
  );
  const { login } = await bench.gql('mutation ($email: String!, $password: String!) { login(email: $email, password: $password) { token } }', { email, password });
  const manager = { authorization: `Token ${login.token}` };

  const shared = pipelinePayload('shared', 1, 3);
  for (let i = 0; i < SERVICES; i++) {
    const { createProcessingService } = await bench.gql(
      'mutation ($input: CreateProcessingServiceInput!) { createProcessingService(input: $input) { id } }',
      { input: { name: `bench service ${i}`, endpointUrl: i % 3 === 0 ? `https://ml-${i}.example.org` : null, projectIds: [projectId] } },
      manager,
    );
    const generate = 'mutation ($id: ID!) { generateKey(processingServiceId: $id) { key } }';
    if (i % 2 === 0) await bench.gql(generate, { id: createProcessingService.id }, manager);
    const { generateKey } = await bench.gql(generate, { id: createProcessingService.id }, manager);
    await bench.gql(
      REGISTER,
      {
        projectId,
        pipelines: [...shared, ...pipelinePayload(`svc${i}`, 1, 3)],
        clientInfo: { hostname: `worker-${i}`, software: 'ami-data-companion', version: '1.0.0', platform: 'linux' },
      },
      { authorization: `Api-Key ${generateKey.key}`, 'user-agent': 'bench-worker/1.0' },
    );
  }
  return { projectId, manager };
}

async function main(): Promise<void> {
  const bench = await startBenchGateway();
  try {
    const admin = { authorization: await bench.loginAdmin() };
    const seedStart = performance.now();
    const { projectId, manager } = await seed(bench, admin);
    console.log(`seeded ${SERVICES} services through the API in ${Math.round(performance.now() - seedStart)} ms`);

    // One checked request first: the load runs only count bodies with "errors", so make sure the
    // query really returns all 100 services with their nested data.
    const sample = await bench.gql(PROCESSING_SERVICES_PAGE, { projectId, first: SERVICES }, manager);
    const nodes = sample.processingServices.edges.map((edge: { node: any }) => edge.node);
    const algorithms = nodes.flatMap((node: any) => node.pipelines.flatMap((pipeline: any) => pipeline.algorithms));
    if (nodes.length !== SERVICES || algorithms.length !== SERVICES * 6 || nodes.some((node: any) => !node.apiKeyPrefix)) {
      throw new Error(`seeded data incomplete: ${nodes.length} services, ${algorithms.length} algorithms`);
    }
    const responseBytes = Buffer.byteLength(JSON.stringify(sample));
    const singleMs: number[] = [];
    for (let run = 0; run < repeats; run++) {
      const started = performance.now();
      await bench.gql(PROCESSING_SERVICES_PAGE, { projectId, first: SERVICES }, manager);
      singleMs.push(performance.now() - started);
    }
    console.log(`one processingServices request at a time: median ${median(singleMs).toFixed(1)} ms (${singleMs.map((v) => v.toFixed(1)).join(' ')})`);

    const cases = {
      list: {
        label: `processingServices x${SERVICES}, every field`,
        body: JSON.stringify({ query: PROCESSING_SERVICES_PAGE, variables: { projectId, first: SERVICES } }),
        headers: manager,
      },
      typename: { label: '{ __typename }', body: JSON.stringify({ query: '{ __typename }' }), headers: manager },
    };
    // A request sent now is answered about when the in-flight backlog is done (they share the CPU).
    const settle = async () => {
      for (let probe = 0; probe < 2; probe++) await bench.gql('{ __typename }', {}, manager);
    };
    const load = async (which: keyof typeof cases, seconds: number) => {
      const result = await runLoad({ ...cases[which], url: bench.url, connections, durationSeconds: seconds });
      await settle();
      return result;
    };

    const rssBefore = rssMiB();
    console.log(`warm-up: 2 s each; then ${rounds} alternating rounds of ${durationSeconds} s, ${connections} connections (project manager token for both)`);
    const warmups = [await load('typename', 2), await load('list', 2)];
    const results = await alternateRounds(['list', 'typename'] as const, rounds, (which) => load(which, durationSeconds));
    const rssAfterLoad = rssMiB();

    // registerPipelines: 20 x 5 by a fresh service in the same project.
    const { createProcessingService } = await bench.gql(
      'mutation ($projectId: ID!) { createProcessingService(input: { name: "bench registrar", projectIds: [$projectId] }) { id } }',
      { projectId },
      manager,
    );
    const { generateKey } = await bench.gql('mutation ($id: ID!) { generateKey(processingServiceId: $id) { key } }', { id: createProcessingService.id }, manager);
    const worker = { authorization: `Api-Key ${generateKey.key}` };
    const clientInfo = { hostname: 'bench-registrar', software: 'ami-data-companion', version: '1.0.0' };
    const register = async (pipelines: unknown[], expectCreated: { pipelines: number; algorithms: number }) => {
      const started = performance.now();
      const { registerPipelines } = await bench.gql(REGISTER, { projectId, pipelines, clientInfo }, worker);
      const ms = performance.now() - started;
      const created = { pipelines: registerPipelines.pipelinesCreated.length, algorithms: registerPipelines.algorithmsCreated.length };
      if (created.pipelines !== expectCreated.pipelines || created.algorithms !== expectCreated.algorithms) {
        throw new Error(`registerPipelines created ${JSON.stringify(created)}, expected ${JSON.stringify(expectCreated)}`);
      }
      return ms;
    };
    const firstMs: number[] = [];
    const repeatedMs: number[] = [];
    let lastPayload: unknown[] = [];
    for (let run = 0; run < repeats; run++) {
      lastPayload = pipelinePayload(`reg${run}`, 20, 5);
      firstMs.push(await register(lastPayload, { pipelines: 20, algorithms: 100 }));
    }
    for (let run = 0; run < repeats; run++) repeatedMs.push(await register(lastPayload, { pipelines: 0, algorithms: 0 }));
    const rssEnd = rssMiB();

    printRounds(results);
    console.log('');
    printMedians(results);
    const ratio = median(results.list.map((r, round) => r.requestsPerSecond / results.typename[round]!.requestsPerSecond));
    console.log(`\nprocessingServices response: ${(responseBytes / 1024).toFixed(1)} KiB for ${SERVICES} services, ${algorithms.length} algorithm entries`);
    console.log(`median ratio processingServices/__typename: ${ratio.toFixed(3)}`);
    console.log('');
    const fmt = (values: number[]) => values.map((v) => v.toFixed(1)).join(' ');
    printTable([
      { case: 'registerPipelines 20x5, first (creates 20 pipelines, 100 algorithms)', 'median ms': median(firstMs).toFixed(1), 'runs ms': fmt(firstMs) },
      { case: 'registerPipelines 20x5, repeated (creates nothing)', 'median ms': median(repeatedMs).toFixed(1), 'runs ms': fmt(repeatedMs) },
    ]);
    console.log(`\ngateway RSS: ${rssBefore} MiB before load, ${rssAfterLoad} MiB after load, ${rssEnd} MiB at the end`);
    reportTarget('gateway RSS at the end', rssEnd, MEMORY_TARGETS.afterApiLoad);

    checkClean([...warmups, ...results.list, ...results.typename]);
  } finally {
    await bench.close();
  }
}

runBench('bench:api', main);
