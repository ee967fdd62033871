import { Inject, Injectable } from '@nestjs/common';
import { BackupRun } from '@backtrac/catalog';
import { DataSource, In, type Repository } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class BackupRunRepository {
  private readonly runs: Repository<BackupRun>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.runs = dataSource.getRepository(BackupRun);
  }

  findActive(clientId: string): Promise<BackupRun | null> {
    return this.runs.findOne({ where: { clientId, state: In(['queued', 'running']) }, order: { queuedAt: 'DESC' } });
  }

  /** Inserts the run unless one with this job id exists; returns the row either way. */
  async createQueued(clientId: string, jobId: string): Promise<BackupRun> {
    await this.runs.createQueryBuilder().insert().values({ clientId, jobId, trigger: 'agent', kind: 'incremental', state: 'queued' }).orIgnore().execute();
    return (await this.runs.findOneBy({ jobId })) as BackupRun;
  }

  /** A run of this client by run id or job id; another client's run is "not found". */
  findForClient(clientId: string, id: string): Promise<BackupRun | null> {
    return this.runs.findOne({ where: UUID.test(id) ? [{ clientId, id }, { clientId, jobId: id }] : { clientId, jobId: id } });
  }
}
