import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  DirectiveLocation,
  GraphQLBoolean,
  GraphQLDirective,
  GraphQLEnumType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  type GraphQLFieldConfig,
  type GraphQLSchema,
} from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../core/errors';
import { parseId } from '../core/ids';
import type { ProjectAccess } from '../projects/project-access';
import { authRequirements, needsProject, ruleProblem, type AuthRule } from './auth-rule';
import type { Principal } from './principal';

export const authRequirementEnum = new GraphQLEnumType({
  name: 'AuthRequirement',
  description: 'Who may call a field; meeting any one listed requirement is enough.',
  values: Object.fromEntries(authRequirements.map((value) => [value, { value }])),
});

export const authDirective = new GraphQLDirective({
  name: 'auth',
  description:
    'Access rule of a field, enforced before its resolver runs. No credentials: UNAUTHENTICATED; wrong principal or role: FORBIDDEN.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: {
    allow: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(authRequirementEnum))) },
    projectArg: { type: GraphQLString, description: 'Argument holding the project id that project roles refer to.' },
    parentProjects: { type: GraphQLBoolean, description: "Project roles refer to the parent object's projects." },
  },
});

export interface AuthContext {
  principal: Principal;
  access: ProjectAccess;
}

/** Resolves the project ids of a parent object, for rules with `parentProjects`. */
export type ParentProjectsResolver = (parent: any, context: any) => Promise<readonly number[]>;

/** Field names that look like secrets: such fields must carry an explicit rule. */
const sensitiveName = /password|secret|digest|hash|token|^key$/i;

export class AuthSchemaError extends Error {}

function readRule(schema: GraphQLSchema, field: GraphQLFieldConfig<unknown, unknown>): AuthRule[] {
  return (getDirective(schema, field, 'auth') ?? []) as AuthRule[];
}

/**
 * Wraps every field that has an `@auth` rule so the rule is checked before its resolver runs,
 * and refuses to build a schema where a root field or a sensitive field has no rule (deny by
 * default) or has more than one.
 */
export function enforceAuth(
  schema: GraphQLSchema,
  parentProjectResolvers: Record<string, ParentProjectsResolver>,
): GraphQLSchema {
  const rootTypes = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => (t ? [t.name] : [])),
  );
  const problems: string[] = [];
  const enforced = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const rules = readRule(schema, field);
      const where = `${typeName}.${fieldName}`;
      if (rules.length > 1) problems.push(`${where} has more than one @auth rule`);
      const rule = rules[0];
      if (!rule) {
        if (rootTypes.has(typeName)) problems.push(`${where} has no @auth rule`);
        else if (sensitiveName.test(fieldName)) problems.push(`${where} looks sensitive and has no @auth rule`);
        return field;
      }
      const problem = ruleProblem(rule);
      if (problem) problems.push(`${where}: ${problem}`);
      if (rule.projectArg && !field.args?.[rule.projectArg]) {
        problems.push(`${where}: projectArg "${rule.projectArg}" is not an argument`);
      }
      const parentProjects = rule.parentProjects ? parentProjectResolvers[typeName] : undefined;
      if (rule.parentProjects && !parentProjects) problems.push(`${where}: no project resolver for ${typeName}`);
      if (rule.allow.includes('PUBLIC')) return field;

      const resolve = field.resolve ?? defaultFieldResolver;
      const projectRolesAllow = async (parent: unknown, args: Record<string, string | number>, context: AuthContext) => {
        const projectIds = rule.projectArg ? [parseId(args[rule.projectArg], rule.projectArg)] : await parentProjects!(parent, context);
        return context.access.hasRole(projectIds, minimumRole(rule));
      };
      return {
        ...field,
        resolve: (parent, args, context: AuthContext, info) => {
          // Most calls are settled by the principal alone, with nothing to await (hot path: heartbeats).
          const verdict = principalVerdict(rule, context.principal);
          if (verdict === 'allowed') return resolve(parent, args, context, info);
          if (verdict === 'refused') throw refusal(context.principal);
          return projectRolesAllow(parent, args, context).then((allowed) => {
            if (!allowed) throw refusal(context.principal);
            return resolve(parent, args, context, info);
          });
        },
      };
    },
  });
  if (problems.length > 0) throw new AuthSchemaError(`Schema auth check failed:\n- ${problems.join('\n- ')}`);
  return enforced;
}

/** What the principal alone decides: allowed, refused, or a user whose project roles decide. */
function principalVerdict(rule: AuthRule, principal: Principal): 'allowed' | 'refused' | 'project-roles' {
  if (principal.kind === 'anonymous') return 'refused';
  if (principal.kind === 'system') return 'allowed';
  for (const requirement of rule.allow) {
    if (requirement === 'USER' && principal.kind === 'user') return 'allowed';
    if (requirement === 'SUPERUSER' && principal.kind === 'user' && principal.isSuperuser) return 'allowed';
    if (requirement === 'PROCESSING_SERVICE' && principal.kind === 'service') return 'allowed';
  }
  return needsProject(rule) && principal.kind === 'user' ? 'project-roles' : 'refused';
}

function minimumRole(rule: AuthRule) {
  return rule.allow.includes('PROJECT_MEMBER') ? 'BASIC_MEMBER' : 'PROJECT_MANAGER';
}

function refusal(principal: Principal): Error {
  return principal.kind === 'anonymous' ? new UnauthenticatedError('Authentication required') : new ForbiddenError('Not allowed');
}
