import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countStatements, startTestGateway, type TestGateway } from '../support/gateway';
import { classifier, createWorld, dataOf, detector, pipeline, REGISTER, unique } from './fixtures';

let gw: TestGateway;
let world: Awaited<ReturnType<typeof createWorld>>;
beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
});
afterAll(() => gw?.close());

const NESTED = `query ($projectId: ID!) {
  processingServices(projectId: $projectId, first: 100) {
    edges { node { id pipelines { slug stages { key } algorithms { key taskType categoryMap { labels } } } } }
  }
}`;

/** A project with `count` services, each having registered two pipelines of its own plus a shared one. */
async function projectWithServices(count: number): Promise<string> {
  const projectId = await world.createProject();
  const shared = pipeline(unique('shared'), [detector(unique('d')), classifier(unique('c'))]);
  for (let i = 0; i < count; i++) {
    const worker = await world.createWorker([projectId]);
    const own = [0, 1].map(() => pipeline(unique('own'), [classifier(unique('c')), detector(unique('d'))]));
    dataOf(await gw.gql(REGISTER, { projectId, pipelines: [shared, ...own] }, worker.headers));
  }
  return projectId;
}

describe('pipelines, algorithms and category maps of services load in batches', () => {
  it('costs the same number of statements for 1 and for 8 services', async () => {
    const statementsFor = async (projectId: string) => {
      const { result, statements } = await countStatements(gw, () => gw.gql(NESTED, { projectId }, world.asAdmin));
      const edges = dataOf(result).processingServices.edges;
      return { statements: statements.length, edges };
    };
    const one = await statementsFor(await projectWithServices(1));
    const eight = await statementsFor(await projectWithServices(8));

    expect(one.edges).toHaveLength(1);
    expect(eight.edges).toHaveLength(8);
    for (const { node } of eight.edges) {
      expect(node.pipelines).toHaveLength(3);
      for (const registered of node.pipelines) {
        expect(registered.algorithms).toHaveLength(2);
        const labelled = registered.algorithms.find((a: { taskType: string }) => a.taskType === 'CLASSIFICATION');
        expect(labelled.categoryMap.labels).toEqual(['moth', 'nonmoth']);
      }
    }
    expect(eight.statements).toBe(one.statements);
  });
});
