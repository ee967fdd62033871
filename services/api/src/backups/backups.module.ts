import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@backtrac/config';
import { API_CONFIG } from '../common/api-config.js';
import { EventsController } from '../events/events.controller.js';
import { LiveEventsRelay } from '../events/live-events.relay.js';
import { RunsController, StatsController } from '../runs/runs.controller.js';
import { RunsService } from '../runs/runs.service.js';
import { SnapshotsController } from '../snapshots/snapshots.controller.js';
import { SnapshotsService } from '../snapshots/snapshots.service.js';
import { StoreReaderRepository } from '../snapshots/store-reader.repository.js';
import { BackupsController } from './backups.controller.js';
import { BackupsService } from './backups.service.js';

/** Back up now, runs, live events, snapshots, browse, history and download. */
@Module({})
export class BackupsModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: BackupsModule,
      controllers: [BackupsController, RunsController, StatsController, EventsController, SnapshotsController],
      providers: [{ provide: API_CONFIG, useValue: config }, BackupsService, RunsService, LiveEventsRelay, SnapshotsService, StoreReaderRepository],
    };
  }
}
