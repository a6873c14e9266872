import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/api-keys/api-key.entity';
import { Algorithm } from '../../src/pipelines/algorithm.entity';
import { CategoryMap } from '../../src/pipelines/category-map.entity';
import { PipelineAlgorithm } from '../../src/pipelines/pipeline-algorithm.entity';
import { Pipeline } from '../../src/pipelines/pipeline.entity';
import { ProcessingServicePipeline } from '../../src/pipelines/processing-service-pipeline.entity';
import { ProcessingServiceProject } from '../../src/processing-services/processing-service-project.entity';
import { ProcessingService } from '../../src/processing-services/processing-service.entity';
import { Project } from '../../src/projects/project.entity';
import { PROCESSING_SERVICES_PAGE } from '../../examples/ui/processing-services-page';
import { countStatements, executionModes, servedBy, startTestGateway, type TestGateway } from '../support/gateway';
import { createWorld, dataOf, type World } from '../support/world';

const shortId = () => randomBytes(6).toString('hex');

/**
 * Seeds `count` services in a new project through the ORM (one flush, not `count` mutations):
 * every service has a client info, a shared pipeline and one of its own with three algorithms
 * (one a classifier with a category map); every other service has two keys, one revoked, and a
 * second project.
 */
export async function seedServices(gw: TestGateway, projectId: number, count: number): Promise<void> {
  const em = gw.database.orm.em.fork();
  const project = em.getReference(Project, projectId);
  const extraProject = em.create(Project, { name: `extra ${shortId()}` });
  const labels = ['Noctuidae', 'Geometridae', 'Erebidae'];
  const categoryMap = em.create(CategoryMap, {
    contentDigest: createHash('sha256').update(shortId()).digest('hex'),
    data: labels.map((label, index) => ({ index, label })),
    labels,
  });
  const algorithm = (key: string, taskType: 'DETECTION' | 'CLASSIFICATION' | 'TRACKING', map: CategoryMap | null = null) =>
    em.create(Algorithm, { name: key, key, version: 1, taskType, categoryMap: map });
  const pipeline = (slug: string, algorithms: Algorithm[]) => {
    const created = em.create(Pipeline, {
      name: slug,
      slug,
      version: 1,
      stages: [{ key: 'detect', name: 'Detect', params: [{ name: 'Threshold', key: 'threshold', category: 'default' }] }],
    });
    algorithms.forEach((algo, position) => em.create(PipelineAlgorithm, { pipeline: created, position, algorithm: algo }));
    return created;
  };
  const shared = pipeline(`shared-${shortId()}`, [algorithm(`det-${shortId()}`, 'DETECTION'), algorithm(`cls-${shortId()}`, 'CLASSIFICATION', categoryMap)]);
  for (let i = 0; i < count; i++) {
    const service = em.create(ProcessingService, {
      name: `service ${i}`,
      endpointUrl: i % 3 === 0 ? `https://ml-${i}.example.org` : null,
      lastSeen: new Date(),
      lastSeenLive: true,
      lastSeenClientInfo: {
        hostname: `host-${i}`,
        software: 'ami-data-companion',
        version: '1.0',
        platform: 'linux',
        podName: null,
        ip: '127.0.0.1',
        userAgent: 'test',
        extra: { index: i },
      },
    });
    em.create(ProcessingServiceProject, { processingService: service, project });
    const own = pipeline(`own-${i}-${shortId()}`, [
      algorithm(`det-${shortId()}`, 'DETECTION'),
      algorithm(`cls-${shortId()}`, 'CLASSIFICATION', categoryMap),
      algorithm(`trk-${shortId()}`, 'TRACKING'),
    ]);
    em.create(ProcessingServicePipeline, { processingService: service, pipeline: shared });
    em.create(ProcessingServicePipeline, { processingService: service, pipeline: own });
    if (i % 2 === 0) {
      em.create(ProcessingServiceProject, { processingService: service, project: extraProject });
      for (const revokedAt of [new Date(), null]) {
        em.create(ApiKey, { prefix: `psk_${shortId()}`, digest: `sha256:${shortId()}`, name: `key ${i}`, processingService: service, revokedAt });
      }
    }
  }
  await em.flush();
}

describe.each(executionModes)('on %s', (mode) => {
  let gw: TestGateway;
  let world: World;
  let manager: { email: string; auth: string };

  beforeAll(async () => {
    gw = await startTestGateway({ GRAPHQL_EXECUTION: mode });
    world = await createWorld(gw);
    manager = await world.createUser('manager');
  });
  afterAll(() => gw?.close());

  /** Runs the query for a fresh project holding `count` services; returns the SQL it cost. */
  async function measure(count: number, auth: () => string): Promise<string[]> {
    const projectId = await world.createProject();
    await world.addMember(projectId, manager.email, 'PROJECT_MANAGER');
    await seedServices(gw, Number(projectId), count);
    // A session is looked up on its first request only (then cached): every count is of the page alone.
    await gw.gql('{ __typename }', {}, { authorization: auth() });
    const { result, statements } = await countStatements(gw, () =>
      servedBy(gw, mode, () => gw.gql(PROCESSING_SERVICES_PAGE, { projectId, first: 100 }, { authorization: auth() })),
    );
    const { processingServices } = dataOf(result);
    expect(processingServices.totalCount).toBe(count);
    expect(processingServices.edges).toHaveLength(count);
    for (const [index, { node }] of processingServices.edges.entries()) {
      const keyed = Number(node.name.split(' ')[1]) % 2 === 0;
      expect(node.pipelines).toHaveLength(2);
      expect(node.pipelines.flatMap((p: { algorithms: unknown[] }) => p.algorithms)).toHaveLength(5);
      expect(node.pipelines.some((p: any) => p.algorithms.some((a: any) => a.categoryMap?.labels.length === 3))).toBe(true);
      expect(node.apiKeys).toHaveLength(keyed ? 2 : 0);
      expect(node.apiKeyPrefix === null).toBe(!keyed);
      expect(node.projects).toHaveLength(keyed ? 2 : 1);
      expect(node.lastSeenClientInfo.hostname).toMatch(/^host-/);
      expect(node.status).toBe('ONLINE');
      if (index > 0) expect(Number(node.id)).toBeLessThan(Number(processingServices.edges[index - 1].node.id));
    }
    return statements;
  }

  describe('processingServices with every nested field costs the same SQL for 1, 10 and 100 services', () => {
    it.each([
      ['a project manager', () => manager.auth],
      ['a superuser', () => world.admin],
    ])('as %s', async (_who, auth) => {
      const counts: Record<number, number> = {};
      const samples: Record<number, string[]> = {};
      for (const size of [1, 10, 100]) {
        samples[size] = await measure(size, auth);
        counts[size] = samples[size]!.length;
      }
      console.log(`[statement count] ${_who}: ${JSON.stringify(counts)}`);
      expect(counts[10], samples[10]!.join('\n')).toBe(counts[1]);
      expect(counts[100], samples[100]!.join('\n')).toBe(counts[1]);
    });
  });
});
