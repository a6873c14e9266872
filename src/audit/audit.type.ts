import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { registerStringEnum } from '../graphql/enum';
import { PageInfo } from '../graphql/page-info';
import { actorKinds, auditActions } from './audit-action';

export const AuditActionEnum = registerStringEnum(auditActions, 'AuditAction', 'What an audit event records.');

export const AuditActorKindEnum = registerStringEnum(
  actorKinds,
  'AuditActorKind',
  'Who acted: a signed-in user, a processing service by its API key, the operator at the CLI, or nobody signed in.',
);

/** Project managers of a project the event concerns, or of its service's projects now; superusers. */
@Auth('PROJECT_MANAGER', { scope: 'AuditEvent' })
@ObjectType('AuditEvent', {
  description: 'One entry of the append-only audit trail. Ids and labels are as they were when it was written; never a key, token or password.',
})
export class AuditEventType {
  @Field(() => ID)
  id!: number;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => AuditActionEnum)
  action!: string;

  @Field(() => AuditActorKindEnum)
  actorKind!: string;

  @Field(() => ID, { nullable: true, description: 'The acting user or processing service; null for the operator and anonymous callers.' })
  actorId!: number | null;

  @Field(() => String, { description: "The actor's email or service name when the event was written." })
  actorLabel!: string;

  @Field(() => String, { nullable: true, description: 'The client address the server observed; null at the CLI.' })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => [ID])
  projectIds!: number[];

  @Field(() => ID, { nullable: true })
  processingServiceId!: number | null;

  @Field(() => String, { nullable: true, description: "The service's name when the event was written." })
  processingServiceLabel!: string | null;

  @Field(() => String, { nullable: true, description: 'The public prefix of the key concerned.' })
  apiKeyPrefix!: string | null;

  @Field(() => ID, { nullable: true, description: 'The user a membership or login event is about.' })
  targetUserId!: number | null;

  @Field(() => String, { nullable: true, description: "That user's email when the event was written." })
  targetUserLabel!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'What changed: names, ids, roles, times.' })
  details!: Record<string, unknown>;
}

@Auth('USER')
@ObjectType('AuditEventEdge')
export class AuditEventEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => AuditEventType)
  node!: AuditEventType;
}

@Auth('USER')
@ObjectType('AuditEventConnection')
export class AuditEventConnection {
  @Field(() => [AuditEventEdge])
  edges!: AuditEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
