import { system, type Principal } from '../auth/principal';

/** Who made a change and from where: what an audit event says of its actor. */
export interface AuditOrigin {
  principal: Principal;
  /** The client address the server observed; null at the CLI. */
  ip: string | null;
  userAgent: string | null;
}

/** The operator at the CLI: no address, no user agent. */
export const operatorOrigin: AuditOrigin = { principal: system, ip: null, userAgent: null };

/** The origin of a request: its principal and the client the server observed. */
export function requestOrigin({ principal, client }: { principal: Principal; client: { ip: string; userAgent: string | null } }): AuditOrigin {
  return { principal, ip: client.ip, userAgent: client.userAgent };
}
