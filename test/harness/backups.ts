import { Queue } from 'bullmq';
import pg from 'pg';
import { BackupJobProducer, backupJobId, type BackupJobPayload, QueueName } from '@backtrac/queue';

export interface RunRow {
  id: string;
  state: string;
  seq: number | null;
  attempts: number;
  error: string | null;
  files_new: number;
  files_changed: number;
  bytes_read: string;
}

/** Talks to a running stack's catalog and backup queue the way the scheduler does. */
export class BackupDriver {
  private readonly db: pg.Client;
  private readonly queue: Queue<BackupJobPayload>;
  private readonly producer: BackupJobProducer;
  private slot = Date.UTC(2031, 0, 1);

  constructor(env: Record<string, string>) {
    this.db = new pg.Client({ connectionString: env.DATABASE_URL });
    this.queue = new Queue(QueueName.Backup, { connection: { url: env.REDIS_URL }, prefix: env.REDIS_PREFIX });
    // Production's producer and job options, with retries half a second apart instead of 30 s.
    this.producer = new BackupJobProducer(this.queue, 500);
  }

  async connect(): Promise<this> {
    await this.db.connect();
    return this;
  }

  query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.query<T>(sql, params).then((result) => result.rows);
  }

  /** Records a queued run and enqueues its job; returns the run id. */
  async enqueue(clientId: string, options: { full?: boolean } = {}): Promise<string> {
    const slot = new Date((this.slot += 1000));
    const jobId = backupJobId(clientId, slot);
    const [run] = await this.query<{ id: string }>(
      `INSERT INTO backup_runs (client_id, job_id, kind, trigger) VALUES ($1, $2, $3, 'manual') RETURNING id`,
      [clientId, jobId, options.full ? 'full' : 'incremental'],
    );
    await this.producer.enqueue({ clientId, runId: run!.id, trigger: 'manual', slot: slot.toISOString(), full: options.full ?? false });
    return run!.id;
  }

  async run(runId: string): Promise<RunRow> {
    const [row] = await this.query<RunRow>('SELECT * FROM backup_runs WHERE id = $1', [runId]);
    return row!;
  }

  async waitFor(runId: string, done: (run: RunRow) => boolean, timeoutMs = 120_000): Promise<RunRow> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = await this.run(runId);
      if (done(row)) return row;
      if (Date.now() > deadline) throw new Error(`run ${runId} still ${row.state} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  waitFinished(runId: string, timeoutMs?: number): Promise<RunRow> {
    return this.waitFor(runId, (run) => ['succeeded', 'partial', 'failed'].includes(run.state), timeoutMs);
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.db.end();
  }
}
