import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { concurrencySkipReason } from '../support/test-database';
import { createWorld, dataOf, sql, type World } from '../support/world';

const skipReason = concurrencySkipReason();
if (skipReason) console.warn(`[processing-services concurrency] skipped: ${skipReason}`);

let gw: TestGateway;
let world: World;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
});
afterAll(() => gw?.close());

const UPDATE = `mutation ($id: ID!, $input: UpdateProcessingServiceInput!) {
  updateProcessingService(id: $id, input: $input) { id projects { id } }
}`;

describe('concurrent project changes never fail with a server error', () => {
  it.skipIf(skipReason)('ten simultaneous joins of the same project: each succeeds or gets CONFLICT, one link results', async () => {
    const [projectA, projectB] = [await world.createProject(), await world.createProject()];
    const id = await world.createService({ projectIds: [projectA] });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => gw.gql(UPDATE, { id, input: { projectIds: [projectA, projectB] } }, { authorization: world.admin })),
    );
    const codes = responses.map((response) => response.body.errors?.[0]?.extensions?.code ?? 'OK');
    for (const code of codes) expect(['OK', 'CONFLICT']).toContain(code);
    expect(codes).toContain('OK');
    const links = await sql(gw, 'select project_id from processing_service_projects where processing_service_id = ? order by project_id', [Number(id)]);
    expect(links.map((link) => String(link.project_id))).toEqual([projectA, projectB]);
  });

  it.skipIf(skipReason)('a project deleted while a service joins it: NOT_FOUND, never a 500', async () => {
    const projectA = await world.createProject();
    const id = await world.createService({ projectIds: [projectA] });
    for (let attempt = 0; attempt < 5; attempt++) {
      const doomed = await world.createProject();
      const [response] = await Promise.all([
        gw.gql(UPDATE, { id, input: { projectIds: [projectA, doomed] } }, { authorization: world.admin }),
        sql(gw, 'delete from projects where id = ?', [Number(doomed)]),
      ]);
      const code = response.body.errors?.[0]?.extensions?.code ?? 'OK';
      expect(['OK', 'NOT_FOUND']).toContain(code);
      if (code === 'OK') expect(dataOf(response).updateProcessingService.projects.length).toBeGreaterThan(0);
    }
  });
});
