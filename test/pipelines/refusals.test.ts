import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_REGISTRATION_LIMITS as limits } from '../../src/pipelines/pipeline-registration.plan';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { classifier, createWorld, dataOf, detector, errorOf, pipeline, REGISTER, rowCounts, unique, type RegisterResult } from './fixtures';

let gw: TestGateway;
let world: Awaited<ReturnType<typeof createWorld>>;
let projectId: string;
let worker: Awaited<ReturnType<typeof world.createWorker>>;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  projectId = await world.createProject();
  worker = await world.createWorker([projectId]);
  // Something already registered, so "no rows written" is checked against a non-empty state.
  dataOf(await gw.gql(REGISTER, { projectId, pipelines: [pipeline(unique('existing'), [classifier(unique('c'))])] }, worker.headers));
});
afterAll(() => gw?.close());

const register = (variables: Record<string, unknown>, headers = worker.headers) => gw.gql<RegisterResult>(REGISTER, variables, headers);

describe('callers other than a linked service key are refused, and nothing is written', () => {
  const payload = () => [pipeline(unique('refused'), [detector(unique('d'))])];

  it('a user token is FORBIDDEN, even a superuser', async () => {
    const before = await rowCounts(gw);
    expect(errorOf(await register({ projectId, pipelines: payload() }, world.asAdmin)).code).toBe('FORBIDDEN');
    expect(await rowCounts(gw)).toEqual(before);
  });

  it('no credentials is UNAUTHENTICATED', async () => {
    expect(errorOf(await register({ projectId, pipelines: payload() }, {})).code).toBe('UNAUTHENTICATED');
  });

  it('a key of a service not linked to the project is FORBIDDEN', async () => {
    const otherProject = await world.createProject();
    const before = await rowCounts(gw);
    const error = errorOf(await register({ projectId: otherProject, pipelines: payload() }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toMatch(/not linked/);
    expect(await rowCounts(gw)).toEqual(before);
  });

  it('an unknown project is NOT_FOUND', async () => {
    const before = await rowCounts(gw);
    expect(errorOf(await register({ projectId: '999999', pipelines: payload() })).code).toBe('NOT_FOUND');
    expect(await rowCounts(gw)).toEqual(before);
  });

  it('a malformed project id is BAD_USER_INPUT naming projectId', async () => {
    expect(errorOf(await register({ projectId: 'abc', pipelines: payload() }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'projectId' });
  });
});

const long = (length: number) => 'x'.repeat(length);

/** Each case: the pipelines payload (and optional client info) and the path the error must name. */
const badInputs: { name: string; pipelines: () => unknown[]; clientInfo?: unknown; field: string }[] = [
  {
    name: 'a classifier without a category map',
    pipelines: () => [
      pipeline(unique('a'), [detector(unique('d'))]),
      pipeline(unique('b'), []),
      pipeline(unique('c'), [{ name: 'species', key: unique('species'), taskType: 'CLASSIFICATION' }]),
    ],
    field: 'pipelines.2.algorithms.0.categoryMap',
  },
  {
    name: 'a tagger without a category map',
    pipelines: () => [pipeline(unique('a'), [detector(unique('d')), { name: 'tags', key: unique('tags'), taskType: 'TAGGING' }])],
    field: 'pipelines.0.algorithms.1.categoryMap',
  },
  {
    name: 'the same slug twice in one call',
    pipelines: () => {
      const slug = unique('twice');
      return [pipeline(slug, []), pipeline(slug, [])];
    },
    field: 'pipelines.1.slug',
  },
  {
    name: 'one (key, version) defined twice with different content',
    pipelines: () => {
      const key = unique('d');
      return [pipeline(unique('a'), [detector(key)]), pipeline(unique('b'), [{ ...detector(key), name: 'renamed' }])];
    },
    field: 'pipelines.1.algorithms.0',
  },
  {
    name: 'the same algorithm twice in one pipeline',
    pipelines: () => {
      const key = unique('d');
      return [pipeline(unique('a'), [detector(key), detector(key)])];
    },
    field: 'pipelines.0.algorithms.1',
  },
  { name: 'an empty pipeline name', pipelines: () => [pipeline(unique('a'), [], { name: '  ' })], field: 'pipelines.0.name' },
  { name: 'an oversize slug', pipelines: () => [pipeline(long(limits.nameLength + 1), [])], field: 'pipelines.0.slug' },
  { name: 'a slug with spaces', pipelines: () => [pipeline('two words', [])], field: 'pipelines.0.slug' },
  { name: 'a negative version', pipelines: () => [pipeline(unique('a'), [], { version: -1 })], field: 'pipelines.0.version' },
  {
    name: 'an oversize algorithm key',
    pipelines: () => [pipeline(unique('a'), [detector(long(limits.nameLength + 1))])],
    field: 'pipelines.0.algorithms.0.key',
  },
  {
    name: 'an oversize uri',
    pipelines: () => [pipeline(unique('a'), [{ ...detector(unique('d')), uri: `https://${long(limits.uriLength)}` }])],
    field: 'pipelines.0.algorithms.0.uri',
  },
  {
    name: 'an oversize label',
    pipelines: () => [pipeline(unique('a'), [classifier(unique('c'), 1, ['ok', long(limits.nameLength + 1)])])],
    field: 'pipelines.0.algorithms.0.categoryMap.labels.1',
  },
  {
    name: 'a NUL character in a name',
    pipelines: () => [pipeline(unique('a'), [], { name: 'bad\u0000name' })],
    field: 'pipelines.0.name',
  },
  {
    name: 'a NUL character inside category map data',
    pipelines: () => [
      pipeline(unique('a'), [{ ...classifier(unique('c')), categoryMap: { labels: ['a'], data: [{ label: 'a\u0000' }] } }]),
    ],
    field: 'pipelines.0.algorithms.0.categoryMap.data.0.label',
  },
  {
    name: 'an empty stage param key',
    pipelines: () => [pipeline(unique('a'), [], { stages: [{ key: 's', name: 'S', params: [{ name: 'n', key: '', category: 'c' }] }] })],
    field: 'pipelines.0.stages.0.params.0.key',
  },
  {
    name: 'too many pipelines',
    pipelines: () => Array.from({ length: limits.pipelinesPerCall + 1 }, () => pipeline(unique('many'), [])),
    field: 'pipelines',
  },
  {
    name: 'too many algorithms in a pipeline',
    pipelines: () => [pipeline(unique('a'), Array.from({ length: limits.algorithmsPerPipeline + 1 }, () => detector(unique('d'))))],
    field: 'pipelines.0.algorithms',
  },
  {
    name: 'too many stages',
    pipelines: () => [
      pipeline(unique('a'), [], { stages: Array.from({ length: limits.stagesPerPipeline + 1 }, (_, i) => ({ key: `s${i}`, name: 'S' })) }),
    ],
    field: 'pipelines.0.stages',
  },
  {
    name: 'too many labels',
    pipelines: () => [
      pipeline(unique('a'), [
        { ...classifier(unique('c')), categoryMap: { labels: Array.from({ length: limits.labelsPerCategoryMap + 1 }, (_, i) => `${i}`), data: [] } },
      ]),
    ],
    field: 'pipelines.0.algorithms.0.categoryMap.labels',
  },
  {
    name: 'too many extra client info keys',
    pipelines: () => [pipeline(unique('a'), [])],
    clientInfo: { extra: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) },
    field: 'clientInfo.extra',
  },
];

describe('bad input is BAD_USER_INPUT naming the path, and nothing is written', () => {
  it.each(badInputs)('$name -> $field', async ({ pipelines, clientInfo, field }) => {
    const before = await rowCounts(gw);
    const error = errorOf(await register({ projectId, pipelines: pipelines(), clientInfo }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await rowCounts(gw)).toEqual(before);
  });

  it('an unknown task type is refused by GraphQL validation (BAD_USER_INPUT), never a 500', async () => {
    const before = await rowCounts(gw);
    const response = await register({ projectId, pipelines: [pipeline(unique('a'), [{ ...detector(unique('d')), taskType: 'telepathy' }])] });
    expect(response.status).toBeLessThan(500);
    expect(errorOf(response).code).toBe('BAD_USER_INPUT');
    expect(await rowCounts(gw)).toEqual(before);
  });

  it('a body over the HTTP limit is a 413, never a 500', async () => {
    const labels = Array.from({ length: 60_000 }, (_, i) => `label number ${i}`);
    const response = await register({ projectId, pipelines: [pipeline(unique('a'), [{ ...classifier(unique('c')), categoryMap: { labels, data: labels } }])] });
    expect(response.status).toBe(413);
  });
});
