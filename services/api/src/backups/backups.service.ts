import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditLogRepository, BackupRunRepository, ClientRepository, ShareRepository } from '@backtrac/catalog';
import { BackupJobProducer, type BackupJobPayload, backupJobId } from '@backtrac/queue';

/** "Back up now": one catalog row and one BullMQ job, refused while the client already has a run in flight. */
@Injectable()
export class BackupsService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly shares: ShareRepository,
    private readonly runs: BackupRunRepository,
    private readonly audit: AuditLogRepository,
    private readonly producer: BackupJobProducer,
  ) {}

  async start(actor: string, clientId: string, full: boolean): Promise<{ runId: string; jobId: string }> {
    const client = await this.clients.findById(clientId);
    if (!client) throw new NotFoundException(`Client ${clientId} does not exist`);
    if ((await this.shares.listForClient(clientId)).length === 0) {
      throw new BadRequestException(`Client ${client.name} has no share to back up; add a share first`);
    }
    const slot = new Date();
    const jobId = backupJobId(clientId, slot);
    const created = await this.runs.createIfIdle({ clientId, jobId, kind: full ? 'full' : 'incremental', trigger: 'manual' });
    if ('busy' in created) {
      throw new ConflictException(`Client ${client.name} already has a backup ${created.busy.state} (run ${created.busy.id})`);
    }
    const payload: BackupJobPayload = { clientId, runId: created.run.id, trigger: 'manual', slot: slot.toISOString(), full };
    let enqueued: boolean;
    try {
      // Nothing is stored when the id is taken (a finished job of the same second is kept for days).
      enqueued = (await this.producer.enqueue(payload)).created;
    } catch (error) {
      // Without a job the row would block the client forever; record why instead.
      await this.runs.markFailed(created.run.id, `could not enqueue: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    if (!enqueued) {
      await this.runs.markFailed(created.run.id, `job ${jobId} already exists`);
      throw new ConflictException(`A backup of ${client.name} was started within the same second; try again`);
    }
    await this.audit.record({ actor, action: 'backup.requested', target: `client:${clientId}`, details: { runId: created.run.id, full } });
    return { runId: created.run.id, jobId };
  }
}
