import { bootService } from '@backtrac/runtime';
import { CopyWorkerModule } from './copy-worker.module.js';

await bootService({
  service: 'copy-worker',
  module: (config) => CopyWorkerModule.forRoot(config),
  port: (config) => config.COPY_WORKER_PORT,
});
