/** Who is calling. Resolved once per request by the context builder; services check it. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: number; isSuperuser: boolean; sessionId: number }
  | { kind: 'service'; processingServiceId: number; apiKeyId: number }
  /** The operator at the CLI: trusted, never reachable over HTTP. */
  | { kind: 'system' };

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;
export type ServicePrincipal = Extract<Principal, { kind: 'service' }>;

export const anonymous: Principal = { kind: 'anonymous' };
export const system: Principal = { kind: 'system' };

/** Superusers and the CLI operator bypass object-level checks. */
export function isAllPowerful(principal: Principal): boolean {
  return principal.kind === 'system' || (principal.kind === 'user' && principal.isSuperuser);
}
