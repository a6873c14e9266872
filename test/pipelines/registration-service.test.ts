import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServicePrincipal } from '../../src/auth/principal';
import { ValidationError } from '../../src/core/errors';
import { canonicalJson, planRegistration } from '../../src/pipelines/pipeline-registration.plan';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { classifier, createWorld, detector, pipeline, sql, unique } from './fixtures';

describe('planRegistration (no database)', () => {
  it('keeps one row per distinct algorithm and per distinct category map', () => {
    const shared = detector('shared');
    const plan = planRegistration([
      pipeline('one', [shared, classifier('c1', 1, ['a', 'b'])]),
      pipeline('two', [classifier('c2', 1, ['a', 'b']), shared]),
    ]);
    expect(plan.algorithms.size).toBe(3);
    expect(plan.categoryMaps.size).toBe(1);
    expect(plan.pipelines.map((p) => p.algorithms.length)).toEqual([2, 2]);
  });

  it('digests category map data regardless of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const map = (data: unknown[]) =>
      planRegistration([pipeline('p', [{ ...classifier('c'), categoryMap: { labels: ['x'], data } }])]).categoryMaps.keys().next().value;
    expect(map([{ index: 0, label: 'x' }])).toBe(map([{ label: 'x', index: 0 }]));
    expect(map([{ index: 0, label: 'x' }])).not.toBe(map([{ index: 1, label: 'x' }]));
  });

  it('throws a ValidationError naming the path', () => {
    expect(() => planRegistration([pipeline('p', [{ name: 'n', key: 'k', taskType: 'TAGGING' }])])).toThrow(
      expect.objectContaining({ constructor: ValidationError, path: 'pipelines.0.algorithms.0.categoryMap' }),
    );
  });
});

describe('the registration service is callable without GraphQL', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(() => gw?.close());

  it('registers for a service principal and reports what it created, writing no heartbeat of its own', async () => {
    const world = await createWorld(gw);
    const projectId = await world.createProject();
    const { serviceId } = await world.createWorker([projectId]);
    const [key] = await sql<{ id: number }>(gw, 'select id from api_keys where processing_service_id = ?', [Number(serviceId)]);
    const caller: ServicePrincipal = { kind: 'service', processingServiceId: Number(serviceId), apiKeyId: key!.id };
    const slug = unique('direct');

    const outcome = await gw.services.pipelineRegistration.register(
      gw.database.orm.em.fork(),
      caller,
      Number(projectId),
      [pipeline(slug, [detector(unique('d'))])],
    );

    expect(outcome.pipelines.map((p) => p.slug)).toEqual([slug]);
    expect(outcome.pipelinesCreated.map((p) => p.slug)).toEqual([slug]);
    expect(outcome.algorithmsCreated).toHaveLength(1);
    const [service] = await sql(gw, 'select last_seen_client_info as info from processing_services where id = ?', [Number(serviceId)]);
    expect(service!.info).toBeNull();
  });
});
