import { Inject, Injectable } from '@nestjs/common';
import { ChangeJournalEntry } from '@backtrac/catalog';
import { DataSource, type Repository } from 'typeorm';

export interface JournalPosition {
  epoch: string;
  cursor: string;
}

const INSERT_BATCH = 1000;

@Injectable()
export class ChangeJournalRepository {
  private readonly entries: Repository<ChangeJournalEntry>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.entries = dataSource.getRepository(ChangeJournalEntry);
  }

  /** The position after the agent's last accepted report, or null when it never reported. */
  async lastForAgent(agentId: string): Promise<JournalPosition | null> {
    const row = await this.entries.findOne({ where: { agentId }, order: { id: 'DESC' }, select: { id: true, epoch: true, cursor: true } });
    return row ? { epoch: row.epoch, cursor: row.cursor } : null;
  }

  async append(agentId: string, shareId: string, epoch: string, cursor: string, paths: readonly string[]): Promise<void> {
    await this.entries.manager.transaction(async (tx) => {
      for (let i = 0; i < paths.length; i += INSERT_BATCH) {
        const rows = paths.slice(i, i + INSERT_BATCH).map((path) => ({ agentId, shareId, epoch, cursor, path }));
        await tx.insert(ChangeJournalEntry, rows);
      }
    });
  }
}
