import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { concurrencySkipReason } from '../support/test-database';
import { classifier, createWorld, dataOf, detector, pipeline, REGISTER, rowCounts, sql, type RegisterResult } from './fixtures';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`pipeline registration concurrency tests skipped: ${skipReason}`);

const WORKERS = 20;
const PROJECTS = 3;
const PIPELINES = 10;

let gw: TestGateway;
let world: Awaited<ReturnType<typeof createWorld>>;
let projects: string[];
let workers: { projectId: string; headers: Record<string, string> }[];

beforeAll(async () => {
  if (skipReason) return;
  gw = await startTestGateway();
  world = await createWorld(gw);
  projects = [];
  for (let p = 0; p < PROJECTS; p++) projects.push(await world.createProject());
  workers = [];
  for (let w = 0; w < WORKERS; w++) {
    const projectId = projects[w % PROJECTS]!;
    workers.push({ projectId, headers: (await world.createWorker([projectId])).headers });
  }
});
afterAll(() => gw?.close());

// Four detectors and eight classifiers; the classifiers share two category maps.
const detectors = Array.from({ length: 4 }, (_, i) => detector(`race-detector-${i}`));
const classifiers = Array.from({ length: 8 }, (_, i) => classifier(`race-classifier-${i}`, 1, i < 4 ? ['a', 'b'] : ['c', 'd']));
const catalogue = Array.from({ length: PIPELINES }, (_, j) =>
  pipeline(`race-pipeline-${j}`, [detectors[j % 4]!, classifiers[j % 8]!, classifiers[(j + 3) % 8]!]),
);
/** Worker w registers about two thirds of the catalogue, odd workers in reverse order. */
function payloadOf(w: number) {
  const chosen = catalogue.filter((_, j) => (w + j) % 3 !== 0);
  return w % 2 === 1 ? chosen.reverse() : chosen;
}

describe('concurrent registrations of overlapping pipelines never fail and never duplicate a row', () => {
  it.skipIf(skipReason)(`${WORKERS} workers in ${PROJECTS} projects register at once`, async () => {
    const responses = await Promise.all(
      workers.map((worker, w) => gw.gql<RegisterResult>(REGISTER, { projectId: worker.projectId, pipelines: payloadOf(w) }, worker.headers)),
    );
    const results = responses.map((response) => dataOf(response).registerPipelines);

    const usedAlgorithms = new Set(catalogue.flatMap((p) => p.algorithms.map((a) => (a as { key: string }).key)));
    const projectPipelinePairs = new Set(workers.flatMap((worker, w) => payloadOf(w).map((p) => `${worker.projectId}/${p.slug}`)));
    expect(await rowCounts(gw)).toEqual({
      pipelines: PIPELINES,
      algorithms: usedAlgorithms.size,
      category_maps: 2,
      pipeline_algorithms: PIPELINES * 3,
      project_pipeline_configs: projectPipelinePairs.size,
      processing_service_pipelines: workers.reduce((sum, _, w) => sum + payloadOf(w).length, 0),
    });
    // Each row was reported created by exactly one worker.
    const created = results.flatMap((result) => result.pipelinesCreated.map((p) => p.slug)).sort();
    expect(created).toEqual(catalogue.map((p) => p.slug).sort());
    const algorithmsCreated = results.flatMap((result) => result.algorithmsCreated.map((a) => a.key)).sort();
    expect(algorithmsCreated).toEqual([...usedAlgorithms].sort());
    // And every pipeline holds its algorithms in order.
    for (const result of results) {
      for (const registered of result.pipelines) {
        const expected = catalogue.find((p) => p.slug === registered.slug)!;
        expect(registered.algorithms.map((a) => a.key)).toEqual(expected.algorithms.map((a) => (a as { key: string }).key));
      }
    }
  });

  it.skipIf(skipReason)(`${WORKERS} workers rewriting one pipeline's algorithm list at once leave exactly one of their lists`, async () => {
    const chain = [detectors[0]!, classifiers[0]!, classifiers[5]!, detectors[3]!];
    const listOf = (w: number) => chain.map((_, i) => chain[(i + w) % chain.length]!);
    const responses = await Promise.all(
      workers.map((worker, w) =>
        gw.gql<RegisterResult>(REGISTER, { projectId: worker.projectId, pipelines: [pipeline('race-hot', listOf(w))] }, worker.headers),
      ),
    );
    const results = responses.map((response) => dataOf(response).registerPipelines);

    expect(results.flatMap((result) => result.pipelinesCreated)).toHaveLength(1);
    const links = await sql<{ position: number; key: string }>(
      gw,
      `select l.position, a.key from pipeline_algorithms l
       join pipelines p on p.id = l.pipeline_id join algorithms a on a.id = l.algorithm_id
       where p.slug = 'race-hot' order by l.position`,
    );
    expect(links.map((link) => link.position)).toEqual([0, 1, 2, 3]);
    const submitted = workers.map((_, w) => listOf(w).map((algorithm) => algorithm.key).join(','));
    expect(submitted).toContain(links.map((link) => link.key).join(','));
    const [{ count }] = await sql(gw, "select count(*)::int as count from pipelines where slug = 'race-hot'");
    expect(count).toBe(1);
  });

  it.skipIf(skipReason)(`${WORKERS} workers changing known pipelines while creating new ones, in different orders, all succeed`, async () => {
    // The catalogue exists now (first test); each worker reorders its algorithms and adds new pipelines.
    const rotated = (list: unknown[], by: number) => list.map((_, i) => list[(i + by) % list.length]);
    const payloadWithChanges = (w: number) => {
      const changed = payloadOf(w).map((known) => ({ ...known, algorithms: rotated(known.algorithms, w) }));
      const fresh = [0, 1, 2].map((k) => pipeline(`race-new-${(w + k) % 6}`, [detectors[(w + k) % 4]!, classifiers[k]!]));
      return w % 2 === 0 ? [...fresh, ...changed] : [...changed.reverse(), ...fresh];
    };
    const before = await rowCounts(gw);
    const responses = await Promise.all(
      workers.map((worker, w) => gw.gql<RegisterResult>(REGISTER, { projectId: worker.projectId, pipelines: payloadWithChanges(w) }, worker.headers)),
    );
    const results = responses.map((response) => dataOf(response).registerPipelines);

    expect(results.flatMap((result) => result.pipelinesCreated.map((p) => p.slug)).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `race-new-${i}`),
    );
    const after = await rowCounts(gw);
    expect(after.pipelines).toBe(before.pipelines + 6);
    expect(after.algorithms).toBe(before.algorithms);
    const links = await sql<{ slug: string; positions: number[]; keys: string[] }>(
      gw,
      `select p.slug, array_agg(l.position order by l.position) as positions, array_agg(a.key order by l.position) as keys
       from pipelines p join pipeline_algorithms l on l.pipeline_id = p.id join algorithms a on a.id = l.algorithm_id
       where p.slug like 'race-pipeline-%' group by p.slug`,
    );
    expect(links).toHaveLength(PIPELINES);
    for (const { slug, positions, keys } of links) {
      expect(positions).toEqual([0, 1, 2]);
      const submitted = workers.flatMap((_, w) =>
        payloadWithChanges(w)
          .filter((p) => p.slug === slug)
          .map((p) => p.algorithms.map((a) => (a as { key: string }).key).join(',')),
      );
      expect(submitted).toContain(keys.join(','));
    }
  });
});
