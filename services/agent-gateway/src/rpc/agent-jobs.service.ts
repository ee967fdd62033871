import { Injectable } from '@nestjs/common';
import { AuditLogRepository, BackupRunRepository, ShareRepository, type Agent, type BackupRun } from '@backtrac/catalog';
import { BackupJobProducer, backupJobId } from '@backtrac/queue';
import type { JobStatus, RequestBackupResult } from '@backtrac/xmlrpc';
import { AgentPendingError, NotFoundError } from './agent-rpc.errors.js';

/** Backups an agent asks for, and the status of its client's runs. */
@Injectable()
export class AgentJobsService {
  constructor(
    private readonly shares: ShareRepository,
    private readonly runs: BackupRunRepository,
    private readonly producer: BackupJobProducer,
    private readonly audit: AuditLogRepository,
  ) {}

  /**
   * A backup covers every share of the client (one snapshot per run); the share names which one the
   * agent cares about and must exist. While a run of the client is queued or running, that run is
   * returned instead of a second one.
   */
  async requestBackup(agent: Agent, shareName: string, now = new Date()): Promise<RequestBackupResult> {
    const clientId = this.clientOf(agent);
    const share = (await this.shares.listForClient(clientId)).find((s) => s.name === shareName);
    if (!share) throw new NotFoundError(`no share "${shareName.slice(0, 100)}" on this client`);
    const active = await this.runs.findActive(clientId);
    if (active) return { jobId: active.jobId, runId: active.id, state: active.state };

    // One slot per second: a double request in the same second lands on the same job id.
    const slot = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const jobId = backupJobId(clientId, slot);
    const { run } = await this.runs.recordQueued({ clientId, jobId, kind: 'incremental', trigger: 'agent' });
    await this.producer.enqueue({ clientId, runId: run.id, trigger: 'agent', slot: slot.toISOString(), full: false });
    await this.audit.record({ actor: `agent:${agent.id}`, action: 'backup.requested', target: `client:${clientId}`, details: { share: shareName, jobId } });
    return { jobId, runId: run.id, state: run.state };
  }

  async jobStatus(agent: Agent, id: string): Promise<JobStatus> {
    const clientId = this.clientOf(agent);
    const run = id.length <= 200 ? await this.runs.findForClient(clientId, id) : null;
    if (!run) throw new NotFoundError('no such job for this client');
    return toJobStatus(run);
  }

  private clientOf(agent: Agent): string {
    if (agent.status !== 'approved' || !agent.clientId) throw new AgentPendingError();
    return agent.clientId;
  }
}

function toJobStatus(run: BackupRun): JobStatus {
  return {
    jobId: run.jobId,
    runId: run.id,
    state: run.state,
    mode: run.mode,
    queuedAt: run.queuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    error: run.error,
    filesNew: run.filesNew,
    filesChanged: run.filesChanged,
    bytesRead: String(run.bytesRead),
  };
}
