import type { GraphQLResolveInfo } from 'graphql';

/**
 * A node by id that is read only when the selection needs more than its identity: a caller whose
 * id is already proven (a worker's own service) and who asks for `{ id }` costs no read.
 */
export function nodeById<T>(info: GraphQLResolveInfo, id: number, load: (id: number) => Promise<T | null>): { id: number } | Promise<T | null> {
  const onlyIdentity = info.fieldNodes.every((node) =>
    (node.selectionSet?.selections ?? []).every(
      (selection) => selection.kind === 'Field' && (selection.name.value === 'id' || selection.name.value === '__typename'),
    ),
  );
  return onlyIdentity ? { id } : load(id);
}
