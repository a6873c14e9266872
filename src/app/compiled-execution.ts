import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import {
  astFromValue,
  execute,
  GraphQLError,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  valueFromASTUntyped,
  type ExecutionResult,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { growingLru } from '../core/growing-lru';
import type { GatewayContext } from '../graphql/context';

type GatewayInterface = ApolloServerOptionsWithGateway<GatewayContext>['gateway'];

/** `compiled`: graphql-jit, graphql-js for what it cannot compile. `graphql-js`: graphql-js only. */
export type ExecutionMode = 'compiled' | 'graphql-js';

/** How many operations each executor ran since start. */
export interface ExecutionCounts {
  compiled: number;
  graphqlJs: number;
}

export interface CompiledExecution {
  gateway: GatewayInterface;
  counts: ExecutionCounts;
}

/** Distinct documents kept compiled; each is a generated function, so the cache needs a bound. */
const MAX_COMPILED_DOCUMENTS = 1_000;

/** What graphql-jit could not compile: graphql-js runs these, without a second attempt. */
const NOT_COMPILABLE = Symbol('not compilable');

type Fill = (value: unknown) => unknown;

/**
 * graphql-jit applies an input field's default only when the field is nullable: it refuses an
 * omitted `version: Int! = 1` that graphql-js fills in. This writes such defaults into the
 * variables first, in their input form, so graphql-jit coerces what graphql-js would have; it is
 * undefined when the type holds no such field, and the variables are passed as they came.
 */
function requiredDefaultsFiller(type: GraphQLInputType, seen = new Set<GraphQLNamedType>()): Fill | undefined {
  if (isNonNullType(type)) return requiredDefaultsFiller(type.ofType, seen);
  if (isListType(type)) {
    const item = requiredDefaultsFiller(type.ofType, seen);
    return item && ((value) => (Array.isArray(value) ? value.map(item) : item(value)));
  }
  if (!isInputObjectType(type) || seen.has(type)) return undefined;
  seen.add(type);
  const fields = Object.values(type.getFields()).flatMap((field) => {
    const fill = requiredDefaultsFiller(field.type, seen);
    const required = isNonNullType(field.type) && field.defaultValue !== undefined;
    const astDefault = required ? astFromValue(field.defaultValue, field.type) : null;
    const inputDefault = astDefault ? valueFromASTUntyped(astDefault) : undefined;
    return fill || inputDefault !== undefined ? [{ name: field.name, fill, inputDefault }] : [];
  });
  if (fields.length === 0) return undefined;
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const filled: Record<string, unknown> = { ...value };
    for (const { name, fill, inputDefault } of fields) {
      if (filled[name] === undefined) filled[name] = inputDefault;
      else if (fill) filled[name] = fill(filled[name]);
    }
    return filled;
  };
}

/** The operation's variables with required input defaults written in, or undefined when none can be missing. */
function variablesFiller(schema: GraphQLSchema, operation: OperationDefinitionNode): ((variables: Record<string, unknown>) => Record<string, unknown>) | undefined {
  const fills = (operation.variableDefinitions ?? []).flatMap((definition) => {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    const fill = type && requiredDefaultsFiller(type);
    return fill ? [{ name: definition.variable.name.value, fill }] : [];
  });
  if (fills.length === 0) return undefined;
  return (variables) => {
    const filled = { ...variables };
    for (const { name, fill } of fills) if (filled[name] !== undefined) filled[name] = fill(filled[name]);
    return filled;
  };
}

/**
 * graphql-jit's errors are its own objects on graphql-js's prototype, without `nodes` and with
 * `extensions` left undefined, which Apollo's and graphql-js's error formatting read: rebuilt here
 * as the GraphQLError graphql-js would have raised, at the same path and locations.
 */
function asGraphqlJsError(error: GraphQLError): GraphQLError {
  const rebuilt = new GraphQLError(error.message, { path: error.path, originalError: error.originalError, extensions: error.extensions });
  (rebuilt as { locations: GraphQLError['locations'] }).locations = error.locations;
  return rebuilt;
}

/**
 * Apollo Server runs its own executor only through its gateway interface; this one serves a fixed
 * schema and executes each operation with graphql-jit, compiled once per document and operation
 * name. Apollo has parsed and validated the document (and our plugins have checked it) before the
 * executor is called, and the schema's resolvers, `@auth` guards among them, run as they would
 * under graphql-js.
 */
export function compiledExecution(schema: GraphQLSchema, mode: ExecutionMode): CompiledExecution {
  const counts: ExecutionCounts = { compiled: 0, graphqlJs: 0 };
  type Compiled = { query: CompiledQuery; fillVariables?: (variables: Record<string, unknown>) => Record<string, unknown> };
  const compiled = growingLru<string, Compiled | typeof NOT_COMPILABLE>(MAX_COMPILED_DOCUMENTS);
  const listeners = new Set<Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0]>();

  type Request = Parameters<NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>>[0];

  const compiledFor = ({ queryHash, document, operation, request }: Request): Compiled | undefined => {
    const key = `${queryHash}\n${request.operationName ?? ''}`;
    let entry = compiled.get(key);
    if (entry === undefined) {
      const outcome = compileQuery(schema, document, request.operationName);
      entry = isCompiledQuery(outcome) ? { query: outcome, fillVariables: variablesFiller(schema, operation) } : NOT_COMPILABLE;
      compiled.set(key, entry);
    }
    return entry === NOT_COMPILABLE ? undefined : entry;
  };

  const runGraphqlJs = (request: Request) => {
    counts.graphqlJs++;
    return execute({
      schema,
      document: request.document,
      operationName: request.request.operationName,
      variableValues: request.request.variables,
      contextValue: request.context,
    });
  };

  const executor = async (request: Request): Promise<ExecutionResult> => {
    const entry = mode === 'compiled' ? compiledFor(request) : undefined;
    if (!entry) return runGraphqlJs(request);
    const { variables } = request.request;
    const result = await entry.query.query(
      undefined,
      request.context,
      entry.fillVariables && variables ? entry.fillVariables(variables) : variables,
    );
    // No data at all: the variables were refused before any resolver ran, and graphql-js words
    // that refusal as clients have always seen it.
    if (result.data === undefined) return runGraphqlJs(request);
    counts.compiled++;
    return result.errors ? { ...result, errors: result.errors.map(asGraphqlJsError) } : result;
  };

  return {
    counts,
    gateway: {
      onSchemaLoadOrUpdate(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async load() {
        // A fixed schema and no federation: there is no supergraph to describe.
        for (const listener of listeners) listener({ apiSchema: schema, coreSupergraphSdl: '' });
        return { executor };
      },
      async stop() {
        listeners.clear();
        compiled.clear();
      },
    },
  };
}
