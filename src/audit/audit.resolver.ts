import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { parseId } from '../core/ids';
import type { GatewayContext } from '../graphql/context';
import { auditConnection, decodeAuditCursor } from './audit.connection';
import type { AuditLoaders } from './audit.loaders';
import type { AuditEventView, AuditService } from './audit.service';
import { AuditEventConnection } from './audit.type';

declare module '../graphql/context' {
  interface GatewayServices {
    audit: AuditService;
  }
  interface GatewayLoaders extends AuditLoaders {}
}

declare module '../auth/auth-rule' {
  interface AuthScopes {
    AuditEvent: Pick<AuditEventView, 'projectIds' | 'processingServiceId'>;
  }
}

@Resolver()
export class AuditResolver {
  @Auth('PROJECT_MANAGER', { scope: 'Project', arg: 'projectId' })
  @Query(() => AuditEventConnection, { description: "The audit trail of a project's keys, services and members, newest first." })
  async auditEvents(
    @Arg('projectId', () => ID) projectId: string,
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 100.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { em, services }: GatewayContext,
  ): Promise<AuditEventConnection> {
    const list = { of: 'project', id: parseId(projectId, 'projectId') } as const;
    const page = await services.audit.list(em, { projectId: list.id }, first, decodeAuditCursor(after, list));
    return auditConnection(page, list);
  }

  @Auth('SUPERUSER')
  @Query(() => AuditEventConnection, {
    description: 'The whole audit trail, newest first: every project and service, failed logins and operator actions too.',
  })
  async allAuditEvents(
    @Arg('first', () => Int, { defaultValue: 50, description: 'At most 100.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { em, services }: GatewayContext,
  ): Promise<AuditEventConnection> {
    const list = { of: 'all' } as const;
    const page = await services.audit.list(em, {}, first, decodeAuditCursor(after, list));
    return auditConnection(page, list);
  }
}
