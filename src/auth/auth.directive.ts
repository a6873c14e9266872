import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  DirectiveLocation,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  getNamedType,
  isNonNullType,
  isObjectType,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../core/errors';
import { parseId } from '../core/ids';
import {
  authRequirements,
  isProjectRequirement,
  requiredRoles,
  ruleProblem,
  type AuthRequirement,
  type AuthRule,
  type AuthScopes,
  type ScopeType,
} from './auth-rule';
import type { Principal } from './principal';
import { NO_RANK, type ProjectAccess } from './project-access';
import { roleRank } from './project-role';

export const authRequirementEnum = new GraphQLEnumType({
  name: 'AuthRequirement',
  description: 'Who may see a type or call a field; meeting any one listed requirement is enough.',
  values: Object.fromEntries(authRequirements.map((value) => [value, { value }])),
});

export const authDirective = new GraphQLDirective({
  name: 'auth',
  description:
    "Access rule of a type or field, enforced before its resolver runs; a field without one follows its type's. No credentials: UNAUTHENTICATED; wrong principal or role: FORBIDDEN; an object the caller may not know of: NOT_FOUND, or null where the field is nullable.",
  locations: [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT],
  args: {
    allow: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(authRequirementEnum))) },
    scope: { type: GraphQLString, description: 'Type of the object whose projects (or own key) the rule is checked against.' },
    arg: { type: GraphQLString, description: "Argument holding the scope object's id; absent: the object the field is on." },
  },
});

export interface AuthContext {
  principal: Principal;
  access: ProjectAccess;
}

/** What a scope resolves to: the projects it belongs to and, for a service scope, the service. */
export interface ScopeRef {
  /** Set when the scope is a processing service: only that service's own key passes PROCESSING_SERVICE. */
  processingServiceId?: number;
  projectIds(): readonly number[] | Promise<readonly number[]>;
}

/** How a scope type's objects resolve: from the object a field is on, or from an id argument. */
export interface ScopeResolver<T, C> {
  ofObject(object: T, context: C): ScopeRef;
  /** Null when no such object exists. */
  byId(id: number, context: C): ScopeRef | null | Promise<ScopeRef | null>;
}

export type ScopeResolvers<C> = { [K in ScopeType]: ScopeResolver<AuthScopes[K], C> };

export type Verdict = 'allowed' | 'forbidden' | 'hidden' | 'unauthenticated';

/** Field names that look like secrets: such a field is never public by inheriting its type's rule. */
const sensitiveName = /password|secret|digest|hash|token|^key$/i;

export class AuthSchemaError extends Error {}

function readRule(schema: GraphQLSchema, node: Parameters<typeof getDirective>[1]): { rule?: AuthRule; count: number } {
  const rules = (getDirective(schema, node, 'auth') ?? []) as AuthRule[];
  return { rule: rules[0], count: rules.length };
}

const words = (typeName: string) => typeName.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

const requirementText: Record<AuthRequirement, (scope: string) => string> = {
  PUBLIC: () => 'anyone',
  USER: () => 'signed in',
  SUPERUSER: () => 'a superuser',
  PROCESSING_SERVICE: (scope) => (scope ? `the API key of a processing service of ${scope}` : 'a processing service (API key)'),
  PROJECT_MEMBER: (scope) => `a member of ${scope}`,
  ML_DATA_MANAGER: (scope) => `an ML data manager of ${scope}`,
  PROJECT_MANAGER: (scope) => `a project manager of ${scope}`,
};

/** A refusal a person can act on, e.g. "You need to be a project manager of this processing service's projects". */
function refusalMessage(rule: AuthRule): string {
  const scope = !rule.scope ? '' : rule.scope === 'Project' ? 'this project' : `this ${words(rule.scope)}'s projects`;
  return `You need to be ${rule.allow.map((requirement) => requirementText[requirement](scope)).join(' or ')}`;
}

/** What the principal alone decides, before any scope is looked at. */
function principalVerdict(rule: AuthRule, principal: Principal): Verdict | 'scope' {
  if (principal.kind === 'anonymous') return 'unauthenticated';
  if (principal.kind === 'system') return 'allowed';
  const { allow } = rule;
  if (principal.kind === 'service') {
    if (!allow.includes('PROCESSING_SERVICE')) return 'forbidden';
    return rule.scope ? 'scope' : 'allowed';
  }
  if (allow.includes('USER') || (principal.isSuperuser && (allow.includes('SUPERUSER') || allow.some(isProjectRequirement)))) {
    return 'allowed';
  }
  return allow.some(isProjectRequirement) ? 'scope' : 'forbidden';
}

/** The verdict inside a scope: a caller with no tie to the object at all may not learn it exists. */
async function scopeVerdict(rule: AuthRule, scope: ScopeRef | null, access: ProjectAccess): Promise<Verdict> {
  if (!scope) return 'hidden';
  const principal = access.principal;
  if (principal.kind === 'service') {
    if (scope.processingServiceId !== undefined) return scope.processingServiceId === principal.processingServiceId ? 'allowed' : 'hidden';
    return (await access.serviceLinkedToAny(await scope.projectIds())) ? 'allowed' : 'hidden';
  }
  const rank = await access.bestRank(await scope.projectIds());
  const needed = Math.min(...rule.allow.filter(isProjectRequirement).map((requirement) => roleRank(requiredRoles[requirement])));
  if (rank >= needed) return 'allowed';
  return rank > NO_RANK ? 'forbidden' : 'hidden';
}

/**
 * Wraps every field whose effective rule (its own, else its type's) is not PUBLIC so the rule is
 * checked before its resolver runs, and refuses to build a schema where any object field has no
 * effective rule, has two, names a scope or argument that does not resolve, or would make a
 * secret-looking field public by inheritance.
 */
export function enforceAuth<C extends AuthContext>(schema: GraphQLSchema, scopes: ScopeResolvers<C>): GraphQLSchema {
  const problems: string[] = [];
  const scopeResolvers = scopes as Record<string, ScopeResolver<unknown, C>>;
  const typeRules = new Map<string, AuthRule | undefined>();
  const ownRules = new Map<string, AuthRule | undefined>();
  /** Per object type, the rules checked against its objects themselves (no argument): what `settleVerdicts` decides ahead. */
  const objectChecks = new Map<string, ObjectCheck<C>[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const { rule, count } = readRule(schema, type);
    if (count > 1) problems.push(`type ${type.name} has more than one @auth rule`);
    const problem = rule && ruleProblem(rule);
    if (problem) problems.push(`type ${type.name}: ${problem}`);
    if (rule?.arg) problems.push(`type ${type.name}: a type's rule is scoped to its own objects, not to an argument`);
    if (rule?.scope && rule.scope !== type.name) problems.push(`type ${type.name}: a type's rule can only scope to the type itself`);
    typeRules.set(type.name, rule);
    const checks: ObjectCheck<C>[] = [];
    if (rule?.scope && scopeResolvers[rule.scope]) checks.push({ rule, memoKey: undefined, scopeResolver: scopeResolvers[rule.scope]! });
    for (const [fieldName, field] of Object.entries(type.getFields())) {
      const own = readRule(schema, field);
      if (own.count > 1) problems.push(`${type.name}.${fieldName} has more than one @auth rule`);
      ownRules.set(`${type.name}.${fieldName}`, own.rule);
      const ownScope = own.rule?.scope;
      if (own.rule && ownScope === type.name && !own.rule.arg && scopeResolvers[ownScope]) {
        checks.push({ rule: own.rule, memoKey: own.rule, scopeResolver: scopeResolvers[ownScope]! });
      }
    }
    if (checks.length > 0) objectChecks.set(type.name, checks);
  }

  const enforced = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const where = `${typeName}.${fieldName}`;
      const ownRule = ownRules.get(where);
      const rule = ownRule ?? typeRules.get(typeName);
      if (!rule) {
        problems.push(`${where} has no @auth rule, and neither has its type`);
        return field;
      }
      const problem = ruleProblem(rule);
      if (problem) problems.push(`${where}: ${problem}`);
      if (!ownRule && rule.allow.includes('PUBLIC') && sensitiveName.test(fieldName)) {
        problems.push(`${where} looks sensitive: give it a rule of its own rather than its public type's`);
      }
      if (rule.scope && !scopeResolvers[rule.scope]) problems.push(`${where}: no scope resolver for ${rule.scope}`);
      if (rule.arg && !field.args?.[rule.arg]) problems.push(`${where}: arg "${rule.arg}" is not an argument`);
      if (rule.scope && !rule.arg && rule.scope !== typeName) {
        problems.push(`${where}: scope ${rule.scope} without an arg must be the field's own type`);
      }
      const guarded = rule.allow.includes('PUBLIC') ? field : guardField(field, rule, ownRule, scopeResolvers[rule.scope ?? '']);
      const checks = objectChecks.get(getNamedType(field.type).name);
      return checks ? settleVerdicts(guarded, checks) : guarded;
    },
  });
  if (problems.length > 0) throw new AuthSchemaError(`Schema auth check failed:\n- ${problems.join('\n- ')}`);
  return enforced;
}

/** A rule checked against the object a field is on; `memoKey` is how that object's fields share its verdict. */
interface ObjectCheck<C> {
  rule: AuthRule;
  memoKey: AuthRule | undefined;
  scopeResolver: ScopeResolver<unknown, C>;
}

/**
 * The verdict of `check` on `parent`, computed once per request and object: a promise while it is
 * being decided, then the verdict itself, so fields asked after that resolve without awaiting.
 */
function verdictOn<C extends AuthContext>(check: ObjectCheck<C>, parent: object, context: C): Verdict | Promise<Verdict> {
  let verdicts = context.access.verdicts.get(parent);
  if (!verdicts) context.access.verdicts.set(parent, (verdicts = new Map()));
  const known = verdicts.get(check.memoKey);
  if (known !== undefined) return known;
  const deciding = scopeVerdict(check.rule, check.scopeResolver.ofObject(parent, context), context.access);
  verdicts.set(check.memoKey, deciding);
  deciding.then(
    (verdict) => verdicts.set(check.memoKey, verdict),
    () => undefined,
  );
  return deciding;
}

function collectObjects(value: unknown, into: object[]): void {
  if (Array.isArray(value)) for (const item of value) collectObjects(item, into);
  else if (value !== null && typeof value === 'object') into.push(value);
}

/**
 * Wraps a field that returns objects of a scoped type so their verdicts are decided, batched, before
 * the field completes. Each object's own fields then find their verdict decided and resolve
 * synchronously: awaiting it field by field made every field of a page a promise, which cost more
 * than the rest of its execution. A failed decision is left for those fields to report, as before.
 */
function settleVerdicts<C extends AuthContext>(field: GraphQLFieldConfig<unknown, C>, checks: readonly ObjectCheck<C>[]): GraphQLFieldConfig<unknown, C> {
  const resolve = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, C>;
  const settle = (value: unknown, context: C): unknown => {
    const scoped = checks.filter((check) => principalVerdict(check.rule, context.principal) === 'scope');
    if (scoped.length === 0) return value;
    const objects: object[] = [];
    collectObjects(value, objects);
    const deciding: Promise<Verdict>[] = [];
    for (const check of scoped) {
      for (const object of objects) {
        const verdict = verdictOn(check, object, context);
        if (typeof verdict !== 'string') deciding.push(verdict);
      }
    }
    if (deciding.length === 0) return value;
    return Promise.allSettled(deciding).then(() => value);
  };
  return {
    ...field,
    resolve: (parent, args, context, info) => {
      const value = resolve(parent, args, context, info);
      return isPromiseLike(value) ? Promise.resolve(value).then((resolved) => settle(resolved, context)) : settle(value, context);
    },
  };
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

function guardField<C extends AuthContext>(
  field: GraphQLFieldConfig<unknown, C>,
  rule: AuthRule,
  ownRule: AuthRule | undefined,
  scopeResolver: ScopeResolver<unknown, C> | undefined,
): GraphQLFieldConfig<unknown, C> {
  const resolve = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, C>;
  const nullable = !isNonNullType(field.type);
  const message = refusalMessage(rule);
  const notFound = rule.scope ? `${words(rule.scope).replace(/^./, (c) => c.toUpperCase())} not found` : 'Not found';
  // Every field of an object shares its type's rule: the first one checks, its siblings reuse it.
  const check: ObjectCheck<C> | undefined = scopeResolver && { rule, memoKey: ownRule, scopeResolver };

  const inScope = (parent: unknown, args: Record<string, unknown>, context: C): Verdict | Promise<Verdict> => {
    if (rule.arg) {
      const id = parseId(args[rule.arg] as string, rule.arg);
      return Promise.resolve(scopeResolver!.byId(id, context)).then((scope) => scopeVerdict(rule, scope, context.access));
    }
    return verdictOn(check!, parent as object, context);
  };

  const refuse = (verdict: Verdict) => {
    if (verdict === 'unauthenticated') throw new UnauthenticatedError('Authentication required');
    if (verdict === 'hidden' && rule.arg) {
      if (nullable) return null;
      throw new NotFoundError(notFound);
    }
    throw new ForbiddenError(message);
  };

  return {
    ...field,
    resolve: (parent, args, context, info) => {
      // Most calls are settled by the principal alone, with nothing to await (hot path: heartbeats).
      const verdict = principalVerdict(rule, context.principal);
      if (verdict === 'allowed') return resolve(parent, args, context, info);
      if (verdict !== 'scope') return refuse(verdict);
      const scoped = inScope(parent, args, context);
      if (typeof scoped === 'string') return scoped === 'allowed' ? resolve(parent, args, context, info) : refuse(scoped);
      return scoped.then((decided) => (decided === 'allowed' ? resolve(parent, args, context, info) : refuse(decided)));
    },
  };
}
