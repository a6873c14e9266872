import { Directive } from 'type-graphql';

/**
 * Who may call a field. A rule lists requirements; meeting any one is enough.
 * - PUBLIC: anyone, also anonymous callers. Must be written out: no rule means no access.
 * - USER: any signed-in user.
 * - SUPERUSER: a superuser.
 * - PROCESSING_SERVICE: a request authenticated with a processing service's API key.
 * - PROJECT_MEMBER / PROJECT_MANAGER: a user with at least that role (owners and superusers
 *   always) in the project in scope: the argument named by `projectArg`, or any project of the
 *   parent object when `parentProjects` is set.
 */
export const authRequirements = [
  'PUBLIC',
  'USER',
  'SUPERUSER',
  'PROCESSING_SERVICE',
  'PROJECT_MEMBER',
  'PROJECT_MANAGER',
] as const;

export type AuthRequirement = (typeof authRequirements)[number];

export interface AuthRule {
  allow: readonly AuthRequirement[];
  projectArg?: string;
  parentProjects?: boolean;
}

export function needsProject(rule: AuthRule): boolean {
  return rule.allow.includes('PROJECT_MEMBER') || rule.allow.includes('PROJECT_MANAGER');
}

/**
 * What is wrong with a rule's shape, or null: project roles need exactly one project in scope
 * (an argument or the parent's projects, never both), and other requirements take none.
 */
export function ruleProblem(rule: AuthRule): string | null {
  const scopes = Number(Boolean(rule.projectArg)) + Number(Boolean(rule.parentProjects));
  if (needsProject(rule) && scopes !== 1) return 'project roles need exactly one of projectArg and parentProjects';
  if (!needsProject(rule) && scopes > 0) return 'projectArg and parentProjects apply only to project roles';
  return null;
}

/** The SDL form of a rule, e.g. `@auth(allow: [PROJECT_MANAGER], projectArg: "projectId")`. */
export function printAuthRule(rule: AuthRule): string {
  const args = [`allow: [${rule.allow.join(', ')}]`];
  if (rule.projectArg) args.push(`projectArg: ${JSON.stringify(rule.projectArg)}`);
  if (rule.parentProjects) args.push('parentProjects: true');
  return `@auth(${args.join(', ')})`;
}

/**
 * Declares a field's access rule. The rule is emitted as an `@auth` directive in the schema,
 * and the same directive is what `enforceAuth` reads to guard the resolver: one declaration,
 * printed and enforced.
 */
export function Auth(
  allow: AuthRequirement | readonly AuthRequirement[],
  scope: Omit<AuthRule, 'allow'> = {},
): MethodDecorator & PropertyDecorator {
  const rule: AuthRule = { allow: typeof allow === 'string' ? [allow] : allow, ...scope };
  const problem = ruleProblem(rule);
  if (problem) throw new Error(`@Auth(${rule.allow.join(', ')}): ${problem}`);
  return Directive(printAuthRule(rule)) as MethodDecorator & PropertyDecorator;
}
