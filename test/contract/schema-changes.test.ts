import { describe, expect, it } from 'vitest';
import { formatSchemaChanges, schemaChanges } from '../../src/app/schema-changes';

const directive = 'directive @auth(allow: [String!]!) on FIELD_DEFINITION\n';
const committed = `${directive}type Query {
  services: [String!]! @auth(allow: ["USER"])
  legacy: Int @auth(allow: ["USER"])
}
enum Status { ONLINE OFFLINE }
type Mutation { ping(status: Status): Boolean @auth(allow: ["USER"]) }
`;

describe('the schema check reports changes against the committed contract', () => {
  it('lists a removed field as breaking, before the other changes', async () => {
    const code = `${directive}type Query {
  services: [String!]! @auth(allow: ["USER"])
  added: Int @auth(allow: ["USER"])
}
enum Status { ONLINE OFFLINE UNKNOWN }
type Mutation { ping(status: Status): Boolean @auth(allow: ["USER"]) }
`;
    const changes = await schemaChanges(committed, code);
    const levels: string[] = changes.map((change) => change.criticality.level);
    expect(levels[0]).toBe('BREAKING');
    expect(levels.lastIndexOf('BREAKING')).toBeLessThan(Math.max(levels.indexOf('DANGEROUS'), levels.indexOf('NON_BREAKING')));
    expect(changes.find((change) => change.path === 'Query.legacy')?.criticality.level).toBe('BREAKING');
    expect(changes.find((change) => change.path === 'Query.added')?.criticality.level).toBe('NON_BREAKING');
    expect(changes.find((change) => change.path === 'Status.UNKNOWN')?.criticality.level).toBe('DANGEROUS');

    const report = formatSchemaChanges(changes);
    expect(report.split('\n')[0]).toMatch(/^BREAKING \(1\):/);
    expect(report).toMatch(/!! BREAKING {2}Field 'legacy' was removed from object type 'Query'/);
    expect(report).toMatch(/1 breaking\.$/);
  });

  it('reports a changed @auth rule', async () => {
    const code = committed.replace('services: [String!]! @auth(allow: ["USER"])', 'services: [String!]! @auth(allow: ["SUPERUSER"])');
    const changes = await schemaChanges(committed, code);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((change) => change.path?.startsWith('Query.services.@auth'))).toBe(true);
  });

  it('finds nothing semantic when only the order differs', async () => {
    const reordered = committed.replace(
      'services: [String!]! @auth(allow: ["USER"])\n  legacy: Int @auth(allow: ["USER"])',
      'legacy: Int @auth(allow: ["USER"])\n  services: [String!]! @auth(allow: ["USER"])',
    );
    expect(reordered).not.toBe(committed);
    const changes = await schemaChanges(committed, reordered);
    expect(changes).toEqual([]);
    expect(formatSchemaChanges(changes)).toMatch(/No semantic changes/);
  });

  it('treats a missing committed file as everything added', async () => {
    const changes = await schemaChanges(null, committed);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.some((change) => change.criticality.level === 'BREAKING')).toBe(false);
  });
});
