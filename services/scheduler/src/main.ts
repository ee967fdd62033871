import { bootService } from '@backtrac/runtime';
import { SchedulerModule } from './scheduler.module.js';

await bootService({
  service: 'scheduler',
  module: (config) => SchedulerModule.forRoot(config),
  port: (config) => config.SCHEDULER_PORT,
});
