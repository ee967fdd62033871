import { BackupRunRepository, ClientRepository } from '@backtrac/catalog';
import type { DataSource } from 'typeorm';
import type { DigestClientLine } from '@backtrac/alerts';
import type { DigestRun } from './run-alerts.js';

/** What the daily digest reports, read through the catalog's repositories. */
export class DigestSourceRepository {
  private readonly clients: ClientRepository;
  private readonly runs: BackupRunRepository;

  constructor(db: DataSource) {
    this.clients = new ClientRepository(db);
    this.runs = new BackupRunRepository(db);
  }

  /** Runs finished since `since` (the digest picks its local day out of them). */
  runsSince(since: Date): Promise<DigestRun[]> {
    return this.runs.finishedSince(since);
  }

  async clientLines(): Promise<DigestClientLine[]> {
    const [clients, outcomes] = await Promise.all([this.clients.listEnabled(), this.runs.clientOutcomes()]);
    const byClient = new Map(outcomes.map((o) => [o.clientId, o]));
    return clients.map((c) => ({ clientName: c.name, lastGoodAt: byClient.get(c.id)?.lastGoodAt ?? null, lastState: byClient.get(c.id)?.lastState ?? 'never' }));
  }
}
