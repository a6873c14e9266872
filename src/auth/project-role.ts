/** Per-project roles of the original, weakest first. The order is the ranking. */
export const projectRoles = [
  'BASIC_MEMBER',
  'RESEARCHER',
  'IDENTIFIER',
  'ML_DATA_MANAGER',
  'PROJECT_MANAGER',
] as const;

export type ProjectRole = (typeof projectRoles)[number];

export function roleRank(role: ProjectRole): number {
  return projectRoles.indexOf(role);
}

export function isProjectRole(value: string): value is ProjectRole {
  return (projectRoles as readonly string[]).includes(value);
}
