import { Directive } from 'type-graphql';
import type { ProjectRole } from './project-role';

/**
 * Who may see a type or call a field. A rule lists requirements; meeting any one is enough.
 * Every object type has a rule and its fields may narrow it; a field with no rule of its own or
 * of its type does not build, so no rule means no access.
 * - PUBLIC: anyone, also anonymous callers. On a type: the type adds no check of its own beyond
 *   the field that returned it.
 * - USER: any signed-in user. SUPERUSER: a superuser.
 * - PROCESSING_SERVICE: a request authenticated with a processing service's API key; with a scope,
 *   only the key of that very service (service scopes) or of a service linked to the project.
 * - PROJECT_MEMBER / ML_DATA_MANAGER / PROJECT_MANAGER: a user with at least that role (project
 *   owners and superusers always) in a project of the scope.
 */
export const authRequirements = [
  'PUBLIC',
  'USER',
  'SUPERUSER',
  'PROCESSING_SERVICE',
  'PROJECT_MEMBER',
  'ML_DATA_MANAGER',
  'PROJECT_MANAGER',
] as const;

export type AuthRequirement = (typeof authRequirements)[number];

/** The weakest role each project requirement asks for. */
export const requiredRoles = {
  PROJECT_MEMBER: 'BASIC_MEMBER',
  ML_DATA_MANAGER: 'ML_DATA_MANAGER',
  PROJECT_MANAGER: 'PROJECT_MANAGER',
} as const satisfies Partial<Record<AuthRequirement, ProjectRole>>;

type ProjectRequirement = keyof typeof requiredRoles;

/**
 * The object types a rule can scope to, by GraphQL type name, with the shape their objects have
 * in resolvers. Each domain adds its own types here by declaration merging; the application must
 * give every one of them a scope resolver, so a scope named in a rule always resolves.
 */
export interface AuthScopes {}

export type ScopeType = keyof AuthScopes & string;

export interface AuthRule {
  allow: readonly AuthRequirement[];
  /** The object whose projects (or whose own key) the rule is checked against. */
  scope?: ScopeType;
  /** The argument holding that object's id. Without it, the scope is the object the field is on. */
  arg?: string;
}

export function isProjectRequirement(requirement: AuthRequirement): requirement is ProjectRequirement {
  return requirement in requiredRoles;
}

export function needsScope(rule: AuthRule): boolean {
  return rule.allow.some(isProjectRequirement);
}

/** What is wrong with a rule's shape, or null: project roles need a scope, and an argument needs one. */
export function ruleProblem(rule: AuthRule): string | null {
  if (rule.allow.length === 0) return 'a rule must allow someone';
  if (rule.allow.includes('PUBLIC') && rule.allow.length > 1) return 'PUBLIC admits everyone; list nothing beside it';
  if (needsScope(rule) && !rule.scope) return 'project roles need a scope';
  if (rule.arg && !rule.scope) return 'an argument names the id of a scope';
  return null;
}

/** The SDL form of a rule, e.g. `@auth(allow: [PROJECT_MANAGER], scope: "ProcessingService", arg: "id")`. */
export function printAuthRule(rule: AuthRule): string {
  const args = [`allow: [${rule.allow.join(', ')}]`];
  if (rule.scope) args.push(`scope: ${JSON.stringify(rule.scope)}`);
  if (rule.arg) args.push(`arg: ${JSON.stringify(rule.arg)}`);
  return `@auth(${args.join(', ')})`;
}

/**
 * Declares the access rule of an object type (on its class) or of a field. The rule is emitted as
 * an `@auth` directive in the schema, and the same directive is what `enforceAuth` reads to guard
 * the resolvers: one declaration, printed and enforced.
 */
export function Auth(
  allow: AuthRequirement | readonly AuthRequirement[],
  scope: Omit<AuthRule, 'allow'> = {},
): MethodDecorator & PropertyDecorator & ClassDecorator {
  const rule: AuthRule = { allow: typeof allow === 'string' ? [allow] : allow, ...scope };
  const problem = ruleProblem(rule);
  if (problem) throw new Error(`@Auth(${rule.allow.join(', ')}): ${problem}`);
  return Directive(printAuthRule(rule));
}
