import { Injectable, NotFoundException } from '@nestjs/common';
import { BackupRunRepository, type BackupRunWithClient, type RunLogLine, type RunState, type StoreGrowthPoint } from '@backtrac/catalog';

@Injectable()
export class RunsService {
  constructor(private readonly runs: BackupRunRepository) {}

  async list(query: { clientId?: string; state?: RunState; limit: number; before?: string }): Promise<{ runs: BackupRunWithClient[]; nextBefore: string | null }> {
    if (query.before && !(await this.runs.findById(query.before))) throw new NotFoundException(`Run ${query.before} (the before cursor) does not exist`);
    const runs = await this.runs.list(query);
    return { runs, nextBefore: runs.length === query.limit ? runs[runs.length - 1]!.id : null };
  }

  async get(id: string): Promise<BackupRunWithClient> {
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundException(`Run ${id} does not exist`);
    return run;
  }

  async log(id: string, afterId: string | undefined, limit: number): Promise<RunLogLine[]> {
    await this.get(id);
    return this.runs.logLines(id, afterId, limit);
  }

  storeGrowth(limit: number): Promise<StoreGrowthPoint[]> {
    return this.runs.storeGrowth(limit);
  }
}
