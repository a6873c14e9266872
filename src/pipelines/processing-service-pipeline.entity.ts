import { Entity, ManyToOne, PrimaryKeyProp, type Ref } from '@mikro-orm/core';
import { ProcessingService } from '../processing-services/processing-service.entity';
import { Pipeline } from './pipeline.entity';

/** A processing service can run a pipeline; created by registration. */
@Entity({ tableName: 'processing_service_pipelines' })
export class ProcessingServicePipeline {
  [PrimaryKeyProp]?: ['processingService', 'pipeline'];

  @ManyToOne(() => ProcessingService, { primary: true, ref: true, deleteRule: 'cascade' })
  processingService!: Ref<ProcessingService>;

  @ManyToOne(() => Pipeline, { primary: true, ref: true, deleteRule: 'cascade', index: true })
  pipeline!: Ref<Pipeline>;
}
