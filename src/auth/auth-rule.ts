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
  if (needsProject(rule) === !(rule.projectArg || rule.parentProjects)) {
    throw new Error(`@Auth(${rule.allow.join(', ')}): project roles need exactly a projectArg or parentProjects`);
  }
  return Directive(printAuthRule(rule)) as MethodDecorator & PropertyDecorator;
}
