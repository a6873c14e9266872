/** What an audit event records. */
export const auditActions = [
  'KEY_GENERATED',
  'KEY_REVOKED',
  /** A key retired because a new one was generated: revoked at once, or left to expire after a grace period. */
  'KEY_EXPIRED_BY_ROTATION',
  'SERVICE_CREATED',
  'SERVICE_UPDATED',
  'SERVICE_DELETED',
  'MEMBER_ADDED',
  'MEMBER_ROLE_CHANGED',
  'MEMBER_REMOVED',
  /** A client address used up its login attempts: written once per window, when the limit is reached. */
  'LOGIN_FAILURES_REPEATED',
  /** The operator removed the events older than a cut-off (retention); this event says when and how many. */
  'AUDIT_PRUNED',
] as const;

export type AuditAction = (typeof auditActions)[number];

/** Who acted: a signed-in user, a service's API key, the operator at the CLI, or nobody signed in. */
export const actorKinds = ['USER', 'PROCESSING_SERVICE', 'OPERATOR', 'ANONYMOUS'] as const;

export type ActorKind = (typeof actorKinds)[number];
