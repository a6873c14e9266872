import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Auth } from '../auth/auth-rule';
import { registerStringEnum } from '../graphql/enum';
import { PageInfo } from '../graphql/page-info';

export const ServiceModeEnum = registerStringEnum(
  ['PUSH', 'PULL'] as const,
  'ProcessingServiceMode',
  'PUSH: the platform calls its endpointUrl. PULL: no endpoint; its workers call in. Derived from endpointUrl.',
);

export const ServiceStatusEnum = registerStringEnum(
  ['ONLINE', 'OFFLINE', 'UNKNOWN'] as const,
  'ProcessingServiceStatus',
  'ONLINE while the last heartbeat (pull mode) or health check (push mode) is recent and live; UNKNOWN before the first one.',
);

/** What a worker reports of itself and what the server observes of it. */
@ObjectType()
abstract class WorkerDescription {
  @Field(() => String, { nullable: true })
  hostname!: string | null;

  @Field(() => String, { nullable: true })
  software!: string | null;

  @Field(() => String, { nullable: true })
  version!: string | null;

  @Field(() => String, { nullable: true })
  platform!: string | null;

  @Field(() => String, { nullable: true })
  podName!: string | null;

  @Field(() => String, { nullable: true, description: 'Observed by the server (forwarded headers only from trusted proxies).' })
  ip!: string | null;

  @Field(() => String, { nullable: true, description: 'Observed by the server.' })
  userAgent!: string | null;
}

/** Reached only through its service, whose rule already applies. */
@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('ClientInfo', { simpleResolvers: true, description: 'The last known worker: what it reported plus what the server observed.' })
export class ClientInfoType extends WorkerDescription {
  @Field(() => GraphQLJSONObject, { description: 'Extra keys the worker reported (bounded).' })
  extra!: Record<string, unknown>;
}

/** Reached only through its service, whose rule already applies, as the last known worker is. */
@Auth(['USER', 'PROCESSING_SERVICE'])
@ObjectType('ProcessingServiceWorker', { description: 'One worker of a service, as its heartbeats describe it.' })
export class ProcessingServiceWorkerType extends WorkerDescription {
  @Field(() => String, { description: 'What tells it apart: its pod name or hostname, else its address and user agent.' })
  identity!: string;

  @Field(() => Date)
  firstSeen!: Date;

  @Field(() => Date)
  lastSeen!: Date;
}

@Auth(['PROJECT_MEMBER', 'PROCESSING_SERVICE'], { scope: 'ProcessingService' })
@ObjectType('ProcessingService', { simpleResolvers: true, description: 'One ML backend: a worker or a fleet sharing one identity.' })
export class ProcessingServiceType {
  @Field(() => ID)
  id!: number;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => String, { nullable: true })
  endpointUrl?: string | null;

  @Field(() => Date, { nullable: true })
  lastSeen?: Date | null;

  @Field(() => Boolean, { nullable: true })
  lastSeenLive?: boolean | null;

  @Field(() => Float, { nullable: true, description: 'Push mode: seconds its last health check took to answer /livez; null when it failed.' })
  lastSeenLatency?: number | null;

  @Field(() => [String], { nullable: true, description: 'Push mode: the pipeline slugs its last health check found ready (/readyz).' })
  lastSeenReadyPipelines?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Push mode: why its last health check failed; null when it succeeded.' })
  lastCheckError?: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@Auth('USER')
@ObjectType('ProcessingServiceEdge', { simpleResolvers: true })
export class ProcessingServiceEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => ProcessingServiceType)
  node!: ProcessingServiceType;
}

@Auth('USER')
@ObjectType('ProcessingServiceConnection', { simpleResolvers: true })
export class ProcessingServiceConnection {
  @Field(() => [ProcessingServiceEdge])
  edges!: ProcessingServiceEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
