import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Kind, parse, type DocumentNode, type FragmentDefinitionNode, type SelectionNode } from 'graphql';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { growingLru } from '../core/growing-lru';

/** A refusal answered at the edge, before Apollo: HTTP status and one GraphQL error. */
export interface EdgeRefusal {
  status: number;
  message: string;
  extensions: { code: string; field?: string };
}

export function sendRefusal(reply: FastifyReply, { status, message, extensions }: EdgeRefusal) {
  return reply.code(status).send({ errors: [{ message, extensions }] });
}

export interface DocumentLimits {
  /** Largest query text in bytes; comments count too (graphql's token limit skips them). */
  maxBytes: number;
  /** Pairs of same-named selections that field merging must compare (see `mergePairs`). */
  maxMergePairs: number;
  /** Operations and fragments in one document: every one is validated, whichever is run. */
  maxDefinitions: number;
}

/** Selections visited before the walk gives up: nested fragment spreads can multiply them. */
const MAX_VISITS = 50_000;

class TooManyVisits extends Error {}

/**
 * An upper bound on the field pairs graphql-js's OverlappingFieldsCanBeMerged rule compares: in
 * each selection set, with inline fragments and fragment spreads expanded, k selections of one
 * response name make k(k-1)/2 pairs, and their subselections are compared as one merged set; k
 * spreads make k(k-1)/2 fragment pairs. The rule's work grows with this count, quadratically in
 * repeated fields, so a document that repeats one field a few hundred times costs seconds to
 * validate; counting it costs one walk.
 */
export function mergePairs(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let visits = 0;
  let pairs = 0;

  function countSet(selections: readonly SelectionNode[], expanding: ReadonlySet<string>): void {
    const byName = new Map<string, SelectionNode[][]>();
    let spreads = 0;
    const collect = (list: readonly SelectionNode[], open: ReadonlySet<string>) => {
      for (const selection of list) {
        if (++visits > MAX_VISITS) throw new TooManyVisits();
        if (selection.kind === Kind.FIELD) {
          const name = selection.alias?.value ?? selection.name.value;
          const group = byName.get(name) ?? [];
          group.push(selection.selectionSet ? [...selection.selectionSet.selections] : []);
          byName.set(name, group);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          collect(selection.selectionSet.selections, open);
        } else {
          spreads++;
          const name = selection.name.value;
          const fragment = fragments.get(name);
          // A cycle is refused by validation itself; expanding it once is enough to count.
          if (fragment && !open.has(name)) collect(fragment.selectionSet.selections, new Set([...open, name]));
        }
      }
    };
    collect(selections, expanding);
    pairs += (spreads * (spreads - 1)) / 2;
    for (const group of byName.values()) {
      pairs += (group.length * (group.length - 1)) / 2;
      const merged = group.flat();
      if (merged.length > 0) countSet(merged, expanding);
    }
  }

  try {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) {
        countSet(definition.selectionSet.selections, new Set());
      }
    }
  } catch (error) {
    if (error instanceof TooManyVisits) return Number.POSITIVE_INFINITY;
    throw error;
  }
  return pairs;
}

/**
 * Bounds the work a document can cause before Apollo parses and validates it: its size in bytes,
 * then, parsed with the same token limit, its number of definitions and the field pairs
 * validation would compare. Apollo has no
 * hook that can refuse between its parse and its validation, hence a parse of our own here; query
 * texts that passed are remembered by digest, so a worker's repeated operation costs one hash.
 * `documentChecks` run on the parsed document too; `onChecked` learns how long a check took, for
 * budgets that charge it.
 */
export function guardDocuments(
  app: FastifyInstance,
  options: {
    path: string;
    limits: DocumentLimits;
    maxTokens: number;
    documentChecks?: ((document: DocumentNode) => EdgeRefusal | null)[];
    onChecked?: (request: FastifyRequest, ms: number) => void;
  },
): void {
  const { path, limits, maxTokens, documentChecks = [], onChecked } = options;
  const accepted = growingLru<string, true>(5_000);
  const shapeRefusal = (status: number, message: string): EdgeRefusal => ({ status, message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

  const check = (source: string): EdgeRefusal | null => {
    if (Buffer.byteLength(source) > limits.maxBytes) return shapeRefusal(413, `The query document is larger than ${limits.maxBytes} bytes`);
    const digest = createHash('sha256').update(source).digest('base64');
    if (accepted.has(digest)) return null;
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens });
    } catch {
      return null; // Apollo parses it again and answers the syntax error in its usual form.
    }
    if (document.definitions.length > limits.maxDefinitions) {
      return shapeRefusal(400, `The query document has more than ${limits.maxDefinitions} operations and fragments`);
    }
    if (mergePairs(document) > limits.maxMergePairs) {
      return shapeRefusal(400, 'The query repeats the same fields or fragments too often in one selection set');
    }
    for (const documentCheck of documentChecks) {
      const refusal = documentCheck(document);
      if (refusal) return refusal;
    }
    accepted.set(digest, true);
    return null;
  };

  app.addHook('preHandler', async (request, reply) => {
    if (request.url.split('?')[0] !== path) return;
    const source = request.method === 'GET' ? (request.query as { query?: unknown }).query : (request.body as { query?: unknown } | null)?.query;
    if (typeof source !== 'string') return;
    const started = performance.now();
    const refusal = check(source);
    onChecked?.(request, performance.now() - started);
    if (refusal) return sendRefusal(reply, refusal);
  });
}
