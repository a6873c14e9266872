import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, type GraphQLSchema } from 'graphql';

const levelOrder = [CriticalityLevel.Breaking, CriticalityLevel.Dangerous, CriticalityLevel.NonBreaking];

const levelMarks: Record<CriticalityLevel, string> = {
  [CriticalityLevel.Breaking]: '!! BREAKING',
  [CriticalityLevel.Dangerous]: ' ! DANGEROUS',
  [CriticalityLevel.NonBreaking]: '   NON_BREAKING',
};

/** The changes from the committed contract to the code's schema, breaking ones first. */
export async function schemaChanges(committedSdl: string | null, printedSdl: string): Promise<Change[]> {
  // Both sides go through SDL so directive uses (the @auth rules) compare like for like.
  const committed: GraphQLSchema | null = committedSdl === null ? null : buildSchema(committedSdl);
  const changes = await diff(committed, buildSchema(printedSdl));
  return changes.sort((a, b) => levelOrder.indexOf(a.criticality.level) - levelOrder.indexOf(b.criticality.level));
}

/** A readable report of `changes`: one line per change, grouped by criticality. */
export function formatSchemaChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return 'No semantic changes (only formatting or order differs).';
  const lines: string[] = [];
  for (const level of levelOrder) {
    const group = changes.filter((change) => change.criticality.level === level);
    if (group.length === 0) continue;
    lines.push(`${level} (${group.length}):`);
    for (const change of group) {
      lines.push(`${levelMarks[level]}  ${change.message}${change.path ? `  [${change.path}]` : ''}`);
      if (level === CriticalityLevel.Breaking && change.criticality.reason) {
        lines.push(`      why: ${change.criticality.reason}`);
      }
    }
  }
  const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking).length;
  lines.push(`${changes.length} change(s), ${breaking} breaking.`);
  return lines.join('\n');
}
