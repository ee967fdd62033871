import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { AuditLogRepository, BackupRun, BackupRunRepository, ClientRepository, ShareRepository } from '@backtrac/catalog';
import { BackupJobProducer, type BackupJobPayload } from '@backtrac/queue';
import type { Queue } from 'bullmq';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BackupsService } from './backups.service.js';

const clientId = '6f1c2a0e-0000-4000-8000-000000000001';

describe('BackupsService.start', () => {
  let clients: { findById: ReturnType<typeof vi.fn> };
  let shares: { listForClient: ReturnType<typeof vi.fn> };
  let runs: { createIfIdle: ReturnType<typeof vi.fn>; markFailed: ReturnType<typeof vi.fn> };
  let audit: { record: ReturnType<typeof vi.fn> };
  let queue: { add: ReturnType<typeof vi.fn>; getJob: ReturnType<typeof vi.fn> };
  let service: BackupsService;

  beforeEach(() => {
    clients = { findById: vi.fn().mockResolvedValue({ id: clientId, name: 'ws-01' }) };
    shares = { listForClient: vi.fn().mockResolvedValue([{ id: 's1' }]) };
    runs = { createIfIdle: vi.fn().mockResolvedValue({ run: { id: 'run-1' } as BackupRun }), markFailed: vi.fn().mockResolvedValue(undefined) };
    audit = { record: vi.fn().mockResolvedValue(undefined) };
    queue = { add: vi.fn().mockResolvedValue({}), getJob: vi.fn().mockResolvedValue({ data: { runId: 'run-1' } }) };
    service = new BackupsService(
      clients as unknown as ClientRepository,
      shares as unknown as ShareRepository,
      runs as unknown as BackupRunRepository,
      audit as unknown as AuditLogRepository,
      new BackupJobProducer(queue as unknown as Queue<BackupJobPayload>),
    );
  });

  it('records a queued manual run and enqueues its job under the deterministic id', async () => {
    const result = await service.start('user:u1', clientId, true);
    expect(result.runId).toBe('run-1');
    expect(runs.createIfIdle).toHaveBeenCalledWith({ clientId, jobId: result.jobId, kind: 'full', trigger: 'manual' });
    const [name, payload, options] = queue.add.mock.calls[0]!;
    expect(name).toBe('backup');
    expect(payload).toEqual({ clientId, runId: 'run-1', trigger: 'manual', slot: expect.any(String), full: true });
    expect(options).toMatchObject({ jobId: result.jobId, attempts: 4, backoff: { type: 'exponential', delay: 30_000 } });
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ actor: 'user:u1', action: 'backup.requested' }));
  });

  it('refuses a client that does not exist, has no share, or is already busy', async () => {
    clients.findById.mockResolvedValueOnce(null);
    await expect(service.start('a', clientId, false)).rejects.toBeInstanceOf(NotFoundException);
    shares.listForClient.mockResolvedValueOnce([]);
    await expect(service.start('a', clientId, false)).rejects.toThrow(new BadRequestException('Client ws-01 has no share to back up; add a share first'));
    runs.createIfIdle.mockResolvedValueOnce({ busy: { id: 'run-0', state: 'running' } });
    await expect(service.start('a', clientId, false)).rejects.toThrow(new ConflictException('Client ws-01 already has a backup running (run run-0)'));
    expect(queue.add).not.toHaveBeenCalled();
  });

  it('marks the run failed when the job cannot be enqueued, so the client is not blocked forever', async () => {
    queue.add.mockRejectedValueOnce(new Error('redis down'));
    await expect(service.start('a', clientId, false)).rejects.toThrow('redis down');
    expect(runs.markFailed).toHaveBeenCalledWith('run-1', 'could not enqueue: redis down');
  });

  it('answers 409 when the job id was already taken by an earlier job of the same second', async () => {
    queue.getJob.mockResolvedValueOnce({ data: { runId: 'someone-else' } });
    await expect(service.start('a', clientId, false)).rejects.toBeInstanceOf(ConflictException);
    expect(runs.markFailed).toHaveBeenCalledWith('run-1', expect.stringContaining('already exists'));
  });
});
