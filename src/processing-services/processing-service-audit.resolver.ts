import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { auditConnection, decodeAuditCursor } from '../audit/audit.connection';
import { AuditEventConnection } from '../audit/audit.type';
import { Auth } from '../auth/auth-rule';
import type { GatewayContext } from '../graphql/context';
import type { ProcessingService } from './processing-service.entity';
import { ProcessingServiceType } from './processing-service.type';

/** A service's audit trail; lives here because the audit domain knows no services. */
@Resolver(() => ProcessingServiceType)
export class ProcessingServiceAuditResolver {
  @Auth('PROJECT_MANAGER', { scope: 'ProcessingService' })
  @FieldResolver(() => AuditEventConnection, {
    nullable: true,
    description: 'What was done to this service and its keys, newest first. Project managers only: others get null here with a FORBIDDEN error.',
  })
  async auditEvents(
    @Root() service: ProcessingService,
    @Arg('first', () => Int, { description: 'At most 100. Required, so a list of services costs its events only when asked.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<AuditEventConnection> {
    const list = { of: 'service', id: service.id } as const;
    const page = await loaders.auditEventsByService.load({ processingServiceId: service.id, first, afterId: decodeAuditCursor(after, list) });
    return auditConnection(page, list);
  }
}
