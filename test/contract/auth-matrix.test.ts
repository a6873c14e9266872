import {
  buildSchema,
  getNamedType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printGatewaySchema } from '../../src/app/schema';
import { executionModes, servedBy, startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { callers, matrix, type Caller, type Expected, type MatrixRow } from './auth-matrix.table';
import { createMatrixWorld, type MatrixWorld } from './auth-matrix.world';

/**
 * The shared auth suite: every root operation of the schema, called as every kind of caller, must
 * answer as its row in auth-matrix.table.ts says. Each call selects every field reachable from the
 * root, so nested rules are probed through each root that reaches them.
 */
const schema: GraphQLSchema = buildSchema(printGatewaySchema());
const roots = [schema.getQueryType()!, schema.getMutationType()!];
const rootCoordinates = roots.flatMap((root) => Object.keys(root.getFields()).map((name) => `${root.name}.${name}`));

const callable = (field: GraphQLField<unknown, unknown>) =>
  field.args.every((arg) => !isNonNullType(arg.type) || arg.defaultValue !== undefined);

/** Every field below `type` that takes no required argument, each object type once per path. */
function selectionOf(type: GraphQLOutputType, path: readonly string[] = []): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  if (path.includes(named.name)) return ' { __typename }';
  const fields = Object.values(named.getFields()).filter(callable);
  return ` { ${fields.map((field) => `${field.name}${selectionOf(field.type, [...path, named.name])}`).join(' ')} }`;
}

/** Every object field coordinate a selection of `type` reaches. */
function reachedFields(type: GraphQLOutputType, path: readonly string[] = [], into = new Set<string>()): Set<string> {
  const named = getNamedType(type);
  if (!isObjectType(named) || path.includes(named.name)) return into;
  for (const field of Object.values(named.getFields()).filter(callable)) {
    into.add(`${named.name}.${field.name}`);
    reachedFields(field.type, [...path, named.name], into);
  }
  return into;
}

function documentFor(coordinate: string, variables: Record<string, unknown>): string {
  const [rootName, fieldName] = coordinate.split('.') as [string, string];
  const root = roots.find((type) => type.name === rootName)!;
  const field = root.getFields()[fieldName]!;
  const used = field.args.filter((arg) => arg.name in variables);
  const definitions = used.length > 0 ? `(${used.map((arg) => `$${arg.name}: ${arg.type}`).join(', ')})` : '';
  const args = used.length > 0 ? `(${used.map((arg) => `${arg.name}: $${arg.name}`).join(', ')})` : '';
  return `${rootName === 'Mutation' ? 'mutation' : 'query'}${definitions} { ${fieldName}${args}${selectionOf(field.type)} }`;
}

/** The Type.field an error path points at, following the schema from the root type. */
function coordinateOf(root: GraphQLObjectType, path: readonly (string | number)[]): string {
  let type: GraphQLObjectType = root;
  let coordinate = '';
  for (const segment of path) {
    if (typeof segment === 'number') continue;
    const field = type.getFields()[segment]!;
    coordinate = `${type.name}.${field.name}`;
    const next = getNamedType(field.type);
    if (isObjectType(next)) type = next;
  }
  return coordinate;
}

function outcomeOf(rootType: GraphQLObjectType, fieldName: string, response: GraphQLResponse): Exclude<Expected, string> {
  const errors = response.body.errors ?? [];
  const rootError = errors.find((error) => !error.path || error.path.length === 1);
  const refused = [
    ...new Set(
      errors
        .filter((error) => error !== rootError)
        .map((error) => {
          const where = coordinateOf(rootType, error.path!);
          return error.extensions?.code === 'FORBIDDEN' ? where : `${where} (${error.extensions?.code}: ${error.message})`;
        }),
    ),
  ].sort();
  if (rootError) return { outcome: rootError.extensions?.code, refused };
  return { outcome: response.body.data?.[fieldName] === null ? 'null' : 'data', refused };
}

const normalise = (expected: Expected) =>
  typeof expected === 'string' ? { outcome: expected, refused: [] } : { outcome: expected.outcome, refused: [...expected.refused].sort() };

describe('the auth table covers the schema', () => {
  it('has a row for every root operation, and none for an operation that does not exist', () => {
    expect(rootCoordinates.filter((coordinate) => !(coordinate in matrix))).toEqual([]);
    expect(Object.keys(matrix).filter((coordinate) => !rootCoordinates.includes(coordinate))).toEqual([]);
  });

  it('probes every field of every object type through some root', () => {
    const reached = new Set<string>();
    for (const root of roots) for (const field of Object.values(root.getFields())) reachedFields(field.type, [], reached);
    const objectFields = Object.values(schema.getTypeMap())
      .filter((type): type is GraphQLObjectType => isObjectType(type) && !type.name.startsWith('__') && !roots.includes(type))
      .flatMap((type) => Object.values(type.getFields()).filter(callable).map((field) => `${type.name}.${field.name}`));
    expect(objectFields.filter((coordinate) => !reached.has(coordinate))).toEqual([]);
  });
});

describe.each(executionModes)('every root operation answers each caller as the auth table says, on %s', (mode) => {
  let gw: TestGateway;
  let world: MatrixWorld;

  beforeAll(async () => {
    gw = await startTestGateway({ ENDPOINT_ALLOWED_NETWORKS: '127.0.0.1', GRAPHQL_EXECUTION: mode });
    world = await createMatrixWorld(gw);
  });
  afterAll(() => gw?.close());

  it.each(Object.entries(matrix) as [string, MatrixRow][])('%s', async (coordinate, row) => {
    const [rootName, fieldName] = coordinate.split('.') as [string, string];
    const rootType = roots.find((type) => type.name === rootName)!;
    const actual: Record<string, unknown> = {};
    for (const caller of callers) {
      const variables = await row.variables(world);
      const headers = row.endsSession ? await world.freshHeaders(caller as Caller) : world.headers(caller);
      const response = await servedBy(gw, mode, () => gw.gql(documentFor(coordinate, variables), variables, headers));
      expect(response.status, `${coordinate} as ${caller}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
      actual[caller] = outcomeOf(rootType, fieldName, response);
    }
    const expected = Object.fromEntries(callers.map((caller) => [caller, normalise(row.expect[caller])]));
    expect(actual).toEqual(expected);
  });
});
