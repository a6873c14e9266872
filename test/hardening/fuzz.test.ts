import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGatewaySchema } from '../../src/app/schema';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../support/gateway';
import { createWorld, sql, type World } from '../support/world';

/**
 * Every string-like argument and input field of every root operation, read from the schema, gets
 * each payload below, sent as a superuser and as a worker's key. The answer must be a typed
 * client error or a faithful write (the payload stored as sent), never a 5xx or
 * INTERNAL_SERVER_ERROR; strings the database cannot store must be BAD_USER_INPUT.
 */
const unstorable = { nul: 'fuzz\u0000nul', 'lone high surrogate': 'fuzz\ud800', 'lone low surrogate': '\udc00fuzz' };
const storable = {
  'SQL fragment': `fuzz'); drop table users; -- "`,
  'script fragment': '<script>alert("fuzz")</script>',
  '1 MB': 'f'.repeat(1024 * 1024),
};
const clientErrorCodes = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONFLICT',
  'RATE_LIMITED',
]);
const stringLikeScalars = new Set(['String', 'ID', 'DateTime', 'JSON', 'JSONObject']);

interface Slot {
  operation: 'query' | 'mutation';
  field: GraphQLField<unknown, unknown>;
  /** Argument name, then input field names (list positions are 0). */
  path: string[];
  scalar: string;
}

function slotsOf(operation: Slot['operation'], field: GraphQLField<unknown, unknown>): Slot[] {
  const slots: Slot[] = [];
  const walk = (type: GraphQLInputType, path: string[], seen: ReadonlySet<string>) => {
    const named = getNamedType(type);
    if (isScalarType(named) && stringLikeScalars.has(named.name)) slots.push({ operation, field, path, scalar: named.name });
    if (isInputObjectType(named) && !seen.has(named.name)) {
      for (const inner of Object.values(named.getFields())) walk(inner.type, [...path, inner.name], new Set([...seen, named.name]));
    }
  };
  for (const arg of field.args) walk(arg.type, [arg.name], new Set());
  return slots;
}

interface Ids {
  projectId: string;
  serviceId: string;
  userId: string;
}

/** A valid value for a type: required input fields filled, lists of one, IDs of real objects. */
function validValue(type: GraphQLInputType, name: string, ids: Ids): unknown {
  const nullable = getNullableType(type) as GraphQLInputType;
  if (isListType(nullable)) return [validValue(nullable.ofType, name, ids)];
  if (isEnumType(nullable)) return nullable.getValues()[0]!.name;
  if (isInputObjectType(nullable)) {
    const value: Record<string, unknown> = {};
    for (const inner of Object.values(nullable.getFields()) as GraphQLInputField[]) {
      if (isNonNullType(inner.type) && inner.defaultValue === undefined) value[inner.name] = validValue(inner.type, inner.name, ids);
    }
    return value;
  }
  switch (nullable.name) {
    case 'Int':
    case 'Float':
      return 1;
    case 'Boolean':
      return false;
    case 'DateTime':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'JSON':
    case 'JSONObject':
      return {};
    case 'ID':
      return /project/i.test(name) ? ids.projectId : /user/i.test(name) ? ids.userId : ids.serviceId;
    default:
      return /email/i.test(name) ? 'fuzz@example.com' : 'fuzz';
  }
}

/** Variables for every required argument, with the payload placed at the slot's path. */
function variablesFor(slot: Slot, payload: string, ids: Ids): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const arg of slot.field.args as GraphQLArgument[]) {
    if (arg.name === slot.path[0] || (isNonNullType(arg.type) && arg.defaultValue === undefined)) {
      variables[arg.name] = validValue(arg.type, arg.name, ids);
    }
  }
  // A password must never be stored as sent, so it must differ from the payloads other fields store.
  const value = /password/i.test(slot.path.at(-1)!) ? `${payload} (password)` : payload;
  const placed = slot.scalar === 'JSON' || slot.scalar === 'JSONObject' ? { fuzz: value, [value.slice(0, 64)]: 1 } : value;
  let holder: any = variables;
  let type: GraphQLInputType = slot.field.args.find((arg) => arg.name === slot.path[0])!.type;
  for (let i = 0; i < slot.path.length; i++) {
    const key = slot.path[i]!;
    const last = i === slot.path.length - 1;
    if (i > 0) {
      const objectType = getNamedType(type);
      if (!isInputObjectType(objectType)) throw new Error(`not an input object at ${slot.path.join('.')}`);
      type = objectType.getFields()[key]!.type;
    }
    const list = isListType(getNullableType(type));
    if (last) {
      holder[key] = list ? [placed] : placed;
    } else {
      if (holder[key] === undefined || holder[key] === null) holder[key] = validValue(type, key, ids);
      holder = list ? (holder[key] as unknown[])[0] : holder[key];
    }
  }
  return variables;
}

function printType(type: GraphQLInputType): string {
  return String(type);
}

function documentFor(slot: Slot, variables: Record<string, unknown>): string {
  const args = slot.field.args.filter((arg) => arg.name in variables);
  const definitions = args.map((arg) => `$${arg.name}: ${printType(arg.type)}`).join(', ');
  const call = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isScalarType(getNamedType(slot.field.type)) || isEnumType(getNamedType(slot.field.type)) ? '' : ' { __typename }';
  return `${slot.operation}${definitions ? ` (${definitions})` : ''} { ${slot.field.name}${call ? `(${call})` : ''}${selection} }`;
}

let gw: TestGateway;
let world: World;
let ids: Ids;
let credentials: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway();
  world = await createWorld(gw);
  const projectId = await world.createProject();
  const workerServiceId = await world.createService({ projectIds: [projectId] });
  const worker = await world.generateKey(workerServiceId);
  const user = await world.createUser('fuzz');
  ids = { projectId, serviceId: await world.createService({ projectIds: [projectId] }), userId: user.id };
  credentials = { superuser: world.admin, 'worker key': `Api-Key ${worker.key}` };
});
afterAll(() => gw?.close());

const schema = buildGatewaySchema();
const slots = [
  ...Object.values(schema.getQueryType()!.getFields()).flatMap((field) => slotsOf('query', field)),
  ...Object.values(schema.getMutationType()!.getFields()).flatMap((field) => slotsOf('mutation', field)),
];

/** Where a response failed the sweep's rule, or null. */
function problemWith(response: GraphQLResponse, mustRefuse: boolean): string | null {
  if (response.status >= 500) return `HTTP ${response.status}`;
  const codes = (response.body.errors ?? []).map((error) => String(error.extensions?.code));
  if (codes.includes('INTERNAL_SERVER_ERROR')) return 'INTERNAL_SERVER_ERROR';
  const untyped = codes.filter((code) => !clientErrorCodes.has(code));
  if (untyped.length > 0) return `untyped error codes ${untyped.join(', ')}`;
  if (mustRefuse && !(response.status === 400 && codes.includes('BAD_USER_INPUT'))) return `not refused as BAD_USER_INPUT (HTTP ${response.status}, ${codes.join(', ') || 'no errors'})`;
  return null;
}

async function storedSomewhere(payload: string): Promise<boolean> {
  const escaped = JSON.stringify(payload).slice(1, -1);
  const tables = await sql<{ name: string }>(gw, `select quote_ident(table_name) as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`);
  for (const { name } of tables) {
    const [row] = await sql<{ found: boolean }>(gw, `select exists (select 1 from ${name} t where strpos(row_to_json(t)::text, ?) > 0) as found`, [escaped]);
    if (row!.found) return true;
  }
  return false;
}

describe('fuzz-style sweep over every string input of every operation', () => {
  it('covers the operations of the schema', () => {
    const covered = new Set(slots.map((slot) => slot.field.name));
    for (const name of ['createProject', 'createProcessingService', 'updateProcessingService', 'generateKey', 'heartbeat', 'login', 'registerPipelines', 'createUser', 'addProjectMember']) {
      expect(covered, name).toContain(name);
    }
  });

  it('answers a typed client error or a faithful write, never an internal error', async () => {
    const problems: string[] = [];
    const payloads: [string, string, boolean][] = [
      ...Object.entries(unstorable).map(([label, value]): [string, string, boolean] => [label, value, true]),
      ...Object.entries(storable).map(([label, value]): [string, string, boolean] => [label, value, false]),
    ];
    for (const slot of slots) {
      for (const [payloadLabel, payload, mustRefuse] of payloads) {
        const variables = variablesFor(slot, payload, ids);
        const query = documentFor(slot, variables);
        for (const [who, authorization] of Object.entries(credentials)) {
          const label = `${slot.field.name}(${slot.path.join('.')}) with ${payloadLabel} as ${who}`;
          const response = await gw.gql(query, variables, { authorization });
          const problem = problemWith(response, mustRefuse);
          if (problem) problems.push(`${label}: ${problem}`);
          const wrote = slot.operation === 'mutation' && response.status === 200 && !response.body.errors;
          if (wrote && slot.scalar === 'String' && payload.length < 1000 && !(await storedSomewhere(payload))) {
            problems.push(`${label}: succeeded, but the payload is stored nowhere as sent`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(slots.length).toBeGreaterThan(30);
  }, 240_000);
});
