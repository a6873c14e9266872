import { Entity, ManyToOne, PrimaryKeyProp, type Ref } from '@mikro-orm/core';
import { Project } from '../projects/project.entity';
import { ProcessingService } from './processing-service.entity';

/** A processing service serves a project; its keys cover every project it is linked to. */
@Entity({ tableName: 'processing_service_projects' })
export class ProcessingServiceProject {
  [PrimaryKeyProp]?: ['processingService', 'project'];

  @ManyToOne(() => ProcessingService, { primary: true, ref: true, deleteRule: 'cascade' })
  processingService!: Ref<ProcessingService>;

  @ManyToOne(() => Project, { primary: true, ref: true, deleteRule: 'cascade', index: true })
  project!: Ref<Project>;
}
