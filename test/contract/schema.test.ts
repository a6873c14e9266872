import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatSchemaChanges, schemaChanges } from '../../src/app/schema-changes';
import { printGatewaySchema } from '../../src/app/schema';

const committedFile = path.resolve(__dirname, '../../schema/schema.graphql');

/** Output fields whose value is a plaintext credential, shown once to the caller. */
const plaintextFields = ['GenerateKeyPayload.key', 'LoginPayload.token'];
/** A task's lease token: handed out with the lease, echoed only to the worker that sent it. */
const leaseTokenFields = ['LeasedTask.leaseToken', 'RenewedLease.leaseToken', 'TaskRefusal.leaseToken'];
/** Fields named `key` that are identifiers, not credentials; they follow their type's (non-public) rule. */
const identifierKeyFields = ['Algorithm.key', 'PipelineStage.key', 'PipelineStageParam.key'];
const secretName = /password|secret|digest|hash/i;
const credentialName = /token|^key$/i;

let printed: string;
let schema: GraphQLSchema;

function authDirectives(node: { astNode?: { directives?: readonly ConstDirectiveNode[] } | null }): readonly ConstDirectiveNode[] {
  return (node.astNode?.directives ?? []).filter((directive) => directive.name.value === 'auth');
}

/** The printed `allow` list of a field's effective rule: its own, else its type's. */
function effectiveAllow(typeName: string, field: GraphQLField<unknown, unknown>): string[] | undefined {
  const [rule] = [...authDirectives(field), ...authDirectives(schema.getType(typeName) as { astNode?: null })];
  const allow = rule?.arguments?.find((argument) => argument.name.value === 'allow')?.value;
  return allow?.kind === Kind.LIST ? allow.values.map((value) => (value.kind === Kind.ENUM ? value.value : '?')) : undefined;
}

function outputFields(): { coordinate: string; field: GraphQLField<unknown, unknown> }[] {
  return Object.values(schema.getTypeMap())
    .filter((type) => !type.name.startsWith('__'))
    .flatMap((type) =>
      isObjectType(type) || isInterfaceType(type)
        ? Object.values(type.getFields()).map((field) => ({ coordinate: `${type.name}.${field.name}`, field }))
        : [],
    );
}

beforeAll(() => {
  printed = printGatewaySchema();
  schema = buildSchema(printed);
});

describe('the committed schema contract', () => {
  it('matches the schema the code builds, byte for byte', async () => {
    const committed = readFileSync(committedFile, 'utf8');
    const changes = committed === printed ? '' : formatSchemaChanges(await schemaChanges(committed, printed));
    // A plain boolean keeps the failure short; the message says what changed and what to do.
    expect(
      committed === printed,
      `schema/schema.graphql differs from the code: run npm run schema and review the diff\n${changes}`,
    ).toBe(true);
  });

  it('declares the @auth directive', () => {
    const definitions = parse(printed).definitions.filter(
      (definition) => definition.kind === Kind.DIRECTIVE_DEFINITION && definition.name.value === 'auth',
    );
    expect(definitions).toHaveLength(1);
    const directive = schema.getDirective('auth');
    expect(directive?.args.map((arg) => arg.name).sort()).toEqual(['allow', 'arg', 'scope']);
    expect([...directive!.locations].sort()).toEqual(['FIELD_DEFINITION', 'OBJECT']);
  });
});

describe('every root field carries exactly one @auth rule', () => {
  it.each(['Query', 'Mutation'] as const)('%s fields', (rootName) => {
    const root = rootName === 'Query' ? schema.getQueryType() : schema.getMutationType();
    expect(root, `${rootName} type`).toBeTruthy();
    const fields = Object.values(root!.getFields());
    expect(fields.length).toBeGreaterThan(0);
    const wrong = fields
      .filter((field) => authDirectives(field).length !== 1)
      .map((field) => `${rootName}.${field.name} has ${authDirectives(field).length} @auth`);
    expect(wrong).toEqual([]);
  });

  it('counts only @auth, not any directive', () => {
    const deprecatedOnly = buildSchema('directive @auth(allow: [String!]!) on FIELD_DEFINITION\ntype Query { a: Int @deprecated }');
    expect(authDirectives(deprecatedOnly.getQueryType()!.getFields().a!)).toHaveLength(0);
  });
});

describe('every field of every object type shows who may see it', () => {
  it('prints a rule on each object type or on each of its fields', () => {
    const unruled = outputFields()
      .filter(({ coordinate, field }) => effectiveAllow(coordinate.split('.')[0]!, field) === undefined)
      .map(({ coordinate }) => coordinate);
    expect(unruled).toEqual([]);
  });

  it('prints a rule on every object type apart from the root types', () => {
    const roots = new Set(['Query', 'Mutation']);
    const types = Object.values(schema.getTypeMap()).filter((type) => isObjectType(type) && !type.name.startsWith('__') && !roots.has(type.name));
    expect(types.length).toBeGreaterThan(10);
    expect(types.filter((type) => authDirectives(type).length !== 1).map((type) => type.name)).toEqual([]);
  });
});

describe('secrets stay out of the schema', () => {
  it('has no output field named like a stored secret', () => {
    const named = outputFields()
      .filter(({ field }) => secretName.test(field.name))
      .map(({ coordinate }) => coordinate);
    expect(named).toEqual([]);
  });

  it('carries plaintext credentials only in the known payload fields, public only by a rule of their own', () => {
    const credentials = outputFields().filter(({ field }) => credentialName.test(field.name));
    expect(credentials.map(({ coordinate }) => coordinate).sort()).toEqual([...plaintextFields, ...leaseTokenFields, ...identifierKeyFields].sort());
    for (const { coordinate, field } of credentials) {
      const allow = effectiveAllow(coordinate.split('.')[0]!, field);
      expect(allow, coordinate).toBeDefined();
      if (allow!.includes('PUBLIC')) expect(authDirectives(field), `${coordinate} is public by its own rule`).toHaveLength(1);
    }
  });
});
