import { assertEveryJobHandled, QueueName } from '@backtrac/queue';
import { describe, expect, it } from 'vitest';
import { COPY_WORKER_QUEUES } from './copy-worker.module.js';

describe('the queues the copy worker serves', () => {
  it('has exactly one handler for every job of the backup, restore and maintenance queues', () => {
    expect(COPY_WORKER_QUEUES.map((s) => s.queue)).toEqual([QueueName.Backup, QueueName.Restore, QueueName.Maintenance]);
    // The handlers are found on the prototypes; no service behind the processors is needed.
    const served = COPY_WORKER_QUEUES.map((s) => ({ queue: s.queue, processor: Object.create(s.processor.prototype) as object }));
    expect(() => assertEveryJobHandled('copy-worker', served)).not.toThrow();
  });
});
