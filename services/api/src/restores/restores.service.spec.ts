import { BadRequestException, ConflictException, NotFoundException } from '@nestjs/common';
import type { AuditLogRepository, ClientRepository, FileVersionRepository, Restore, RestoreRepository, ShareRepository, SnapshotRepository } from '@backtrac/catalog';
import type { RestoreJobProducer } from '@backtrac/queue';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CreateRestoreDto } from './restore.dto.js';
import { RestoresService } from './restores.service.js';

const clientId = '6f1c2a0e-0000-4000-8000-000000000001';
const otherId = '6f1c2a0e-0000-4000-8000-000000000002';
const shareId = '6f1c2a0e-0000-4000-8000-000000000003';

describe('RestoresService', () => {
  let clients: { findById: ReturnType<typeof vi.fn> };
  let shares: { findById: ReturnType<typeof vi.fn> };
  let snapshots: { find: ReturnType<typeof vi.fn> };
  let versions: { findEntry: ReturnType<typeof vi.fn> };
  let restores: { newestGoodSnapshotAt: ReturnType<typeof vi.fn>; create: ReturnType<typeof vi.fn>; finish: ReturnType<typeof vi.fn>; requestCancel: ReturnType<typeof vi.fn> };
  let audit: { record: ReturnType<typeof vi.fn> };
  let producer: { enqueue: ReturnType<typeof vi.fn>; removeWaiting: ReturnType<typeof vi.fn> };
  let service: RestoresService;
  const body = (extra: Partial<CreateRestoreDto> = {}): CreateRestoreDto => ({ clientId, seq: 2, policy: 'overwrite', ...extra });

  beforeEach(() => {
    clients = { findById: vi.fn(async (id: string) => ({ id, name: id === clientId ? 'ws-01' : 'ws-02' })) };
    shares = { findById: vi.fn().mockResolvedValue({ id: shareId, clientId: otherId, name: 'docs', url: 'smb://h/docs' }) };
    snapshots = { find: vi.fn().mockResolvedValue({ seq: 2 }) };
    versions = { findEntry: vi.fn().mockResolvedValue({ name: 'a' }) };
    restores = {
      newestGoodSnapshotAt: vi.fn().mockResolvedValue(2),
      create: vi.fn(async (input: Record<string, unknown>) => ({ id: 'r1', ...input, state: 'queued' }) as unknown as Restore),
      finish: vi.fn().mockResolvedValue(undefined),
      requestCancel: vi.fn().mockResolvedValue({ id: 'r1', clientId, state: 'cancelled' }),
    };
    audit = { record: vi.fn().mockResolvedValue(undefined) };
    producer = { enqueue: vi.fn().mockResolvedValue('restore:c:r1'), removeWaiting: vi.fn().mockResolvedValue(true) };
    service = new RestoresService(
      clients as unknown as ClientRepository, shares as unknown as ShareRepository, snapshots as unknown as SnapshotRepository,
      versions as unknown as FileVersionRepository, restores as unknown as RestoreRepository, audit as unknown as AuditLogRepository,
      producer as unknown as RestoreJobProducer,
    );
  });

  it('records the request, enqueues it and audits who asked', async () => {
    const destination = { clientId: otherId, shareId, path: '/restored//here/' };
    await service.create('user:u1', body({ paths: ['docs/a', 'docs/a'], destination, mirror: true, confirmMirror: true }));
    expect(restores.create).toHaveBeenCalledWith(expect.objectContaining({
      clientId, seq: 2, asOf: null, paths: ['docs/a'], target: { clientId: otherId, shareId, path: 'restored/here' }, mirror: true, requestedBy: 'user:u1',
    }));
    expect(versions.findEntry).toHaveBeenCalledWith(clientId, 2, 'docs', 'a');
    expect(producer.enqueue).toHaveBeenCalledWith(expect.objectContaining({ id: 'r1', clientId }));
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ actor: 'user:u1', action: 'restore.requested', target: `client:${clientId}` }));
  });

  it('resolves asOf to a snapshot and refuses one that resolves to none', async () => {
    await service.create('a', body({ seq: undefined, asOf: '2026-01-02T00:00:00Z' }));
    expect(restores.newestGoodSnapshotAt).toHaveBeenCalledWith(clientId, new Date('2026-01-02T00:00:00Z'));
    restores.newestGoodSnapshotAt.mockResolvedValueOnce(null);
    await expect(service.create('a', body({ seq: undefined, asOf: '2001-01-01T00:00:00Z' }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('refuses what cannot be restored, before recording anything', async () => {
    await expect(service.create('a', body({ asOf: '2026-01-01T00:00:00Z' }))).rejects.toBeInstanceOf(BadRequestException);
    await expect(service.create('a', body({ mirror: true }))).rejects.toThrow(/confirmMirror/);
    versions.findEntry.mockResolvedValueOnce(null);
    await expect(service.create('a', body({ paths: ['docs/missing'] }))).rejects.toThrow('docs/missing is not in snapshot 2 of ws-01');
    shares.findById.mockResolvedValueOnce({ id: shareId, clientId, name: 'docs', url: 'smb://h/docs' });
    await expect(service.create('a', body({ destination: { clientId: otherId, shareId, path: '' } }))).rejects.toThrow('Share docs does not belong to client ws-02');
    shares.findById.mockResolvedValueOnce({ id: shareId, clientId: otherId, name: 'local', url: 'file:///srv' });
    await expect(service.create('a', body({ destination: { clientId: otherId, shareId, path: '' } }))).rejects.toThrow(/not an smb:\/\/ share/);
    await expect(service.create('a', body({ destination: { clientId: otherId, shareId, path: 'a/../b' } }))).rejects.toThrow(/"\.\."/);
    snapshots.find.mockResolvedValueOnce(null);
    await expect(service.create('a', body())).rejects.toBeInstanceOf(NotFoundException);
    expect(restores.create).not.toHaveBeenCalled();
    restores.create.mockResolvedValueOnce(null);
    await expect(service.create('a', body())).rejects.toBeInstanceOf(ConflictException);
    expect(producer.enqueue).not.toHaveBeenCalled();
  });

  it('marks the restore failed when it cannot be enqueued', async () => {
    producer.enqueue.mockRejectedValueOnce(new Error('redis down'));
    await expect(service.create('a', body())).rejects.toThrow('redis down');
    expect(restores.finish).toHaveBeenCalledWith('r1', 'failed', { error: 'could not enqueue: redis down' });
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('drops the waiting job of a restore cancelled while queued, and answers 404 for an unknown one', async () => {
    expect((await service.cancel('user:u1', 'r1')).state).toBe('cancelled');
    expect(producer.removeWaiting).toHaveBeenCalledWith(expect.objectContaining({ id: 'r1', clientId }));
    restores.requestCancel.mockResolvedValueOnce({ id: 'r2', clientId, state: 'running' });
    await service.cancel('user:u1', 'r2');
    expect(producer.removeWaiting).toHaveBeenCalledTimes(1);
    restores.requestCancel.mockResolvedValueOnce(null);
    await expect(service.cancel('a', 'nope')).rejects.toBeInstanceOf(NotFoundException);
  });
});
