import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

export interface QueryCostLimit {
  maxCost: number;
  objectCost: number;
  scalarCost: number;
  depthCostFactor: number;
}

/** The page size a `first` argument will have: its literal, its variable's value or default, or the field's default. */
function effectiveFirst(
  node: FieldNode,
  argumentDefault: unknown,
  operation: OperationDefinitionNode | undefined,
  variables: Record<string, unknown>,
): number | undefined {
  const given = node.arguments?.find((arg) => arg.name.value === 'first')?.value;
  if (!given) return typeof argumentDefault === 'number' ? argumentDefault : undefined;
  if (given.kind === Kind.INT) return undefined; // armor reads literals itself
  if (given.kind !== Kind.VARIABLE) return undefined;
  const name = given.name.value;
  const value = variables[name];
  if (typeof value === 'number') return value;
  const fallback = operation?.variableDefinitions?.find((definition) => definition.variable.name.value === name)?.defaultValue;
  return fallback?.kind === Kind.INT ? Number(fallback.value) : undefined;
}

/** Names of the variables that set a `first` argument somewhere in the document. */
function variablesSettingFirst(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Argument(node) {
      if (node.name.value === 'first' && node.value.kind === Kind.VARIABLE) names.add(node.value.name.value);
    },
  });
  return [...names];
}

/**
 * graphql-armor's cost limit, applied to the page sizes a request will really get. Armor's rule
 * multiplies a list by its `first` argument only when the query spells it as a literal: through a
 * variable, or left to the field's default, a page of 100 counted as 1, so the limit could be
 * sidestepped (and the literal form was the only one refused). Once the operation is known, this
 * runs armor's rule on the document with every `first` written as the value it will have.
 * Outcomes are kept per parsed document (Apollo reuses it for the same query text) and page sizes,
 * so a repeated query costs a lookup.
 */
export function queryCostPlugin(limit: QueryCostLimit): ApolloServerPlugin {
  const off = { enabled: false };
  const rules = new ApolloArmor({
    costLimit: { ...limit, ignoreIntrospection: true },
    maxDepth: off,
    maxAliases: off,
    maxDirectives: off,
    maxTokens: off,
    blockFieldSuggestion: off,
  }).protect().validationRules;

  /** Armor's refusal message for the document with these variables, or null when it is within the limit. */
  function refusalOf(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode | undefined,
    variables: Record<string, unknown>,
  ): string | null {
    const typeInfo = new TypeInfo(schema);
    const withPageSizes = visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const argument = typeInfo.getFieldDef()?.args.find((arg) => arg.name === 'first');
          const first = argument && effectiveFirst(node, argument.defaultValue, operation, variables);
          if (first === undefined || !Number.isSafeInteger(first)) return undefined;
          const literal: ArgumentNode = {
            kind: Kind.ARGUMENT,
            name: { kind: Kind.NAME, value: 'first' },
            value: { kind: Kind.INT, value: String(first) },
          };
          return { ...node, arguments: [...(node.arguments ?? []).filter((arg) => arg.name.value !== 'first'), literal] };
        },
      }),
    );
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, withPageSizes, rules);
    } catch (error) {
      // Armor's rule throws its refusal out of the visitor.
      errors = [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    return errors.length === 0 ? null : errors[0]!.message.replace(/^Syntax Error: /, '');
  }

  const known = new WeakMap<DocumentNode, { firstVariables: string[]; refusals: Map<string, string | null> }>();
  const maxOutcomesPerDocument = 64;

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          const variables = request.variables ?? {};
          let entry = known.get(document);
          if (!entry) {
            entry = { firstVariables: variablesSettingFirst(document), refusals: new Map() };
            known.set(document, entry);
          }
          const key = JSON.stringify([operation?.name?.value ?? null, ...entry.firstVariables.map((name) => variables[name] ?? null)]);
          let refusal = entry.refusals.get(key);
          if (refusal === undefined) {
            refusal = refusalOf(schema, document, operation, variables);
            if (entry.refusals.size < maxOutcomesPerDocument) entry.refusals.set(key, refusal);
          }
          if (refusal === null) return;
          throw new GraphQLError(refusal, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
        },
      };
    },
  };
}
