import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service.js';

/** RetentionService for a service's module; needs the global CatalogModule. */
@Module({ providers: [RetentionService], exports: [RetentionService] })
export class RetentionModule {}
