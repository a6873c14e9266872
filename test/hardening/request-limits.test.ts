import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentLimits } from '../../src/app/server';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, errorOf, type World } from '../support/world';

const BURST_MS = 20;

let gw: TestGateway;
let world: World;
let projectId: string;
let workerKey: string;

beforeAll(async () => {
  gw = await startTestGateway({ TRUST_PROXY: '127.0.0.1', ANONYMOUS_WORK_BURST_MS: String(BURST_MS), ANONYMOUS_WORK_MS_PER_SECOND: '1' });
  world = await createWorld(gw);
  projectId = await world.createProject();
  workerKey = (await world.generateKey(await world.createService({ projectIds: [projectId] }))).key;
});
afterAll(() => gw?.close());

let distinct = 0;
/** A trailing comment makes each document new to Apollo's parsed-document cache. */
const uncached = (query: string) => `${query} # ${++distinct}`;
const from = (address: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...extra });

function expectRefusedShape(response: GraphQLResponse, label: string) {
  expect(response.status, label).toBe(400);
  expect(errorOf(response).code, label).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(errorOf(response).message, label).toMatch(/repeats the same fields or fragments/);
}

describe('work is bounded before validation', () => {
  const costly: [string, string][] = [
    ['one field repeated without aliases', `{ ${'processingServices(projectId: "1") { totalCount } '.repeat(200)} }`],
    ['__typename repeated', `{ ${'__typename '.repeat(1_900)} }`],
    ['one inline fragment repeated', `{ ${'... on Query { __typename } '.repeat(300)} }`],
    ['a nested field repeated', `{ ${'viewer { user { id } } '.repeat(250)} }`],
    [
      'fragments spread side by side',
      `{ ${Array.from({ length: 15 }, (_, i) => `...F${i}`).join(' ')} }\n${Array.from({ length: 15 }, (_, i) => `fragment F${i} on Query { viewer { user { id } } }`).join('\n')}`,
    ],
  ];
  costly.forEach(([label, query], index) => {
    it(`refuses ${label}, signed in or not`, async () => {
      expectRefusedShape(await gw.gql(uncached(query), {}, { authorization: world.admin }), label);
      expectRefusedShape(await gw.gql(uncached(query), {}, from(`192.0.2.${200 + index}`)), `${label}, anonymous`);
    });
  });

  it('refuses a document over the byte limit, even one made of comments', async () => {
    const query = `{ __typename }\n${'# padding\n'.repeat(documentLimits.maxBytes / 10 + 1)}`;
    const response = await gw.gql(query, {}, { authorization: world.admin });
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a document with more operations and fragments than the limit', async () => {
    const query = Array.from({ length: documentLimits.maxDefinitions + 1 }, (_, i) => `query Q${i} { __typename }`).join('\n');
    const response = await gw.gql(uncached(query), {}, { authorization: world.admin });
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toMatch(/more than \d+ operations and fragments/);
  });

  it('accepts the same field under different aliases and a field named in a fragment and beside it', async () => {
    const query = `query ($p: ID!) { a: processingServices(projectId: $p) { totalCount } b: processingServices(projectId: $p) { totalCount } viewer { ...Me user { id } } }
      fragment Me on Viewer { user { id email } }`;
    const data = dataOf(await gw.gql(uncached(query), { p: projectId }, { authorization: world.admin }));
    expect(data.a.totalCount).toBe(1);
    expect(data.viewer.user.id).toBeTruthy();
  });
});

describe('requests without credentials get a budget per address', () => {
  it('answers 429 with Retry-After once an address has spent it, and leaves other addresses alone', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < BURST_MS + 5; i++) statuses.push((await gw.gql(uncached('{ __typename }'), {}, from('192.0.2.1'))).status);
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeLessThanOrEqual(BURST_MS);
    const refused = await gw.gql('{ __typename }', {}, from('192.0.2.1'));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorOf(refused).code).toBe('RATE_LIMITED');
    expect((await gw.gql('{ __typename }', {}, from('192.0.2.2'))).status).toBe(200);
  });

  it('never holds back a valid key or session from an address that has spent its budget', async () => {
    for (let i = 0; i < BURST_MS + 5; i++) await gw.gql(uncached('{ __typename }'), {}, from('192.0.2.3'));
    expect((await gw.gql('{ __typename }', {}, from('192.0.2.3'))).status).toBe(429);
    const beat = await gw.gql('mutation { heartbeat { id } }', {}, from('192.0.2.3', { authorization: `Api-Key ${workerKey}` }));
    expect(dataOf(beat).heartbeat.id).toBeTruthy();
    expect(dataOf(await gw.gql('{ viewer { user { id } } }', {}, from('192.0.2.3', { authorization: world.admin }))).viewer.user.id).toBeTruthy();
  });

  it('counts exactly when requests arrive together', async () => {
    const responses = await Promise.all(Array.from({ length: BURST_MS * 3 }, () => gw.gql('{ __typename }', {}, from('192.0.2.4'))));
    const admitted = responses.filter((response) => response.status === 200).length;
    expect(admitted).toBeGreaterThan(0);
    // The bucket refills by one millisecond per second while the requests run.
    expect(admitted).toBeLessThanOrEqual(BURST_MS + 2);
  });

  it('makes a costly anonymous document cost its address more than a cheap one', async () => {
    const costly = `{ ${'__typename '.repeat(1_900)} }`;
    let admitted = 0;
    for (let i = 0; i < BURST_MS; i++) if ((await gw.gql(uncached(costly), {}, from('192.0.2.5'))).status !== 429) admitted++;
    expect(admitted).toBeLessThan(BURST_MS);
  });
});
