import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { assertEveryJobHandled, jobHandlersOf, OnJob, servedQueueProviders } from './job-handlers.js';
import { JobName } from './jobs.js';
import { QueueName } from './queue-names.js';

@Injectable()
class BackupProcessor {
  readonly seen: string[] = [];
  @OnJob(JobName.Backup)
  async backup(): Promise<string> {
    this.seen.push('backup');
    return 'done';
  }
}

@Injectable()
class PruneOnlyProcessor {
  @OnJob(JobName.Prune)
  async prune(): Promise<void> {}
}

class FullMaintenanceProcessor extends PruneOnlyProcessor {
  @OnJob(JobName.GarbageCollect) async gc(): Promise<void> {}
  @OnJob(JobName.Verify) async verify(): Promise<void> {}
  @OnJob(JobName.Fsck) async fsck(): Promise<void> {}
  @OnJob(JobName.RebuildCatalog) async rebuild(): Promise<void> {}
}

class SecondBackupProcessor {
  @OnJob(JobName.Backup) async again(): Promise<void> {}
  @OnJob(JobName.Restore) async restore(): Promise<void> {}
}

describe('job handlers', () => {
  it('finds @OnJob methods, inherited ones included, bound to their processor', async () => {
    const processor = new BackupProcessor();
    const [handler] = jobHandlersOf(processor);
    expect(handler).toMatchObject({ name: JobName.Backup, method: 'BackupProcessor.backup' });
    expect(await handler!.handler({} as never, undefined)).toBe('done');
    expect(processor.seen).toEqual(['backup']);
    expect(jobHandlersOf(new FullMaintenanceProcessor()).map((h) => h.name).sort()).toEqual(['gc', 'prune', 'rebuild-catalog', 'fsck', 'verify'].sort());
  });

  it('accepts exactly one handler per job name of each served queue', () => {
    expect(() =>
      assertEveryJobHandled('worker', [
        { queue: QueueName.Backup, processor: new BackupProcessor() },
        { queue: QueueName.Maintenance, processor: new FullMaintenanceProcessor() },
      ]),
    ).not.toThrow();
  });

  it('names every missing, doubled or misplaced handler', () => {
    expect(() =>
      assertEveryJobHandled('worker', [
        { queue: QueueName.Backup, processor: new BackupProcessor() },
        { queue: QueueName.Backup, processor: new SecondBackupProcessor() },
        { queue: QueueName.Maintenance, processor: new PruneOnlyProcessor() },
      ]),
    ).toThrow(
      'worker cannot start: SecondBackupProcessor.restore handles job "restore", which lives on queue "restore", not "backup"; ' +
        'job "backup" has 2 handlers (BackupProcessor.backup, SecondBackupProcessor.again); ' +
        'job "gc" of queue "maintenance" has no handler; job "verify" of queue "maintenance" has no handler; ' +
        'job "fsck" of queue "maintenance" has no handler; job "rebuild-catalog" of queue "maintenance" has no handler',
    );
  });

  it('stops a Nest application from starting when a served queue has a job without a handler', async () => {
    @Module({ providers: servedQueueProviders('copy-worker', [{ queue: QueueName.Backup, processor: BackupProcessor }, { queue: QueueName.Restore, processor: PruneOnlyProcessor }]) })
    class MissingRestoreModule {}
    await expect(NestFactory.createApplicationContext(MissingRestoreModule, { logger: false, abortOnError: false })).rejects.toThrow(
      'copy-worker cannot start: PruneOnlyProcessor.prune handles job "prune", which lives on queue "maintenance", not "restore"; job "restore" of queue "restore" has no handler',
    );

    @Module({ providers: servedQueueProviders('copy-worker', [{ queue: QueueName.Backup, processor: BackupProcessor }]) })
    class CompleteModule {}
    const app = await NestFactory.createApplicationContext(CompleteModule, { logger: false, abortOnError: false });
    await app.close();
  });
});
