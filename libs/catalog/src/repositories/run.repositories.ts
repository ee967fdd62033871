import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type Repository } from 'typeorm';
import { BackupRun, type RunKind, type RunState } from '../entities/backup-run.entity.js';
import type { EntryType } from '../entities/file-version.entity.js';
import { RunLogLine } from '../entities/run-log-line.entity.js';
import { Snapshot } from '../entities/snapshot.entity.js';
import { nameLikePattern } from './name-pattern.js';

/** States in which a run still occupies its client: a second manual run is refused meanwhile. */
export const ACTIVE_RUN_STATES: readonly RunState[] = ['queued', 'running'];

export interface RunListQuery {
  clientId?: string;
  state?: RunState;
  limit: number;
  /** Keyset cursor: only runs queued before this run (by queued_at, then id). */
  before?: string;
}

export type BackupRunWithClient = BackupRun & { clientName: string };

export interface StoreGrowthPoint {
  runId: string;
  clientId: string;
  clientName: string;
  seq: number | null;
  finishedAt: Date;
  state: RunState;
  /** Size of every file in the snapshot (what a plain copy would need). */
  bytesTotal: number;
  /** Bytes the pool did not have before this run. */
  bytesStoredNew: number;
  bytesRead: number;
  /** Sum of bytesStoredNew over this run and every finished run before it. */
  storedCumulative: number;
}

@Injectable()
export class BackupRunRepository {
  private readonly runs: Repository<BackupRun>;
  private readonly lines: Repository<RunLogLine>;

  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {
    this.runs = dataSource.getRepository(BackupRun);
    this.lines = dataSource.getRepository(RunLogLine);
  }

  /**
   * Records a queued run unless the client already has one queued or running. A transaction-scoped
   * advisory lock on the client makes the check and the insert atomic against a double click.
   */
  async createIfIdle(run: { clientId: string; jobId: string; kind: RunKind; trigger: BackupRun['trigger'] }): Promise<{ run: BackupRun } | { busy: BackupRun }> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`backup-run:${run.clientId}`]);
      const busy = await manager
        .getRepository(BackupRun)
        .createQueryBuilder('r')
        .where('r.clientId = :clientId AND r.state IN (:...states)', { clientId: run.clientId, states: ACTIVE_RUN_STATES })
        .orderBy('r.queuedAt', 'DESC')
        .getOne();
      if (busy) return { busy };
      const repo = manager.getRepository(BackupRun);
      return { run: await repo.save(repo.create({ ...run, state: 'queued' })) };
    });
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.runs.update(id, { state: 'failed', error, finishedAt: new Date() });
  }

  async findById(id: string): Promise<BackupRunWithClient | null> {
    const rows = await this.withClientName().where('r.id = :id', { id }).getRawAndEntities();
    const run = rows.entities[0];
    return run ? { ...run, clientName: String((rows.raw[0] as { client_name: string }).client_name) } : null;
  }

  /** Newest first; pass the last id back as `before` for the next page. */
  async list(query: RunListQuery): Promise<BackupRunWithClient[]> {
    const qb = this.withClientName();
    if (query.clientId) qb.andWhere('r.clientId = :clientId', { clientId: query.clientId });
    if (query.state) qb.andWhere('r.state = :state', { state: query.state });
    if (query.before) {
      qb.andWhere('(r.queued_at, r.id) < (SELECT b.queued_at, b.id FROM backup_runs b WHERE b.id = :before)', { before: query.before });
    }
    qb.orderBy('r.queuedAt', 'DESC').addOrderBy('r.id', 'DESC').limit(query.limit);
    const { entities, raw } = await qb.getRawAndEntities();
    const names = new Map((raw as { r_id: string; client_name: string }[]).map((row) => [row.r_id, row.client_name]));
    return entities.map((run) => ({ ...run, clientName: names.get(run.id) ?? '' }));
  }

  /** Log lines in order, after the given id (exclusive). */
  logLines(runId: string, afterId: string | undefined, limit: number): Promise<RunLogLine[]> {
    const qb = this.lines.createQueryBuilder('l').where('l.runId = :runId', { runId });
    if (afterId !== undefined) qb.andWhere('l.id > :afterId', { afterId });
    return qb.orderBy('l.id', 'ASC').limit(limit).getMany();
  }

  /**
   * The latest finished runs that wrote a snapshot, oldest first: logical size against new bytes
   * stored, and the running total of bytes stored over every run before (the store's growth).
   */
  async storeGrowth(limit: number): Promise<StoreGrowthPoint[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM (
         SELECT r.id, r.client_id, c.name AS client_name, r.seq, r.finished_at, r.state,
                r.bytes_total, r.bytes_stored_new, r.bytes_read,
                sum(r.bytes_stored_new) OVER (ORDER BY r.finished_at, r.id) AS stored_cumulative
           FROM backup_runs r JOIN clients c ON c.id = r.client_id
          WHERE r.state IN ('succeeded', 'partial') AND r.finished_at IS NOT NULL
          ORDER BY r.finished_at DESC, r.id DESC
          LIMIT $1) recent
        ORDER BY finished_at ASC, id ASC`,
      [limit],
    )) as Record<string, unknown>[];
    return rows.map((row) => ({
      runId: String(row.id),
      clientId: String(row.client_id),
      clientName: String(row.client_name),
      seq: row.seq === null ? null : Number(row.seq),
      finishedAt: new Date(row.finished_at as string | Date),
      state: row.state as RunState,
      bytesTotal: Number(row.bytes_total),
      bytesStoredNew: Number(row.bytes_stored_new),
      bytesRead: Number(row.bytes_read),
      storedCumulative: Number(row.stored_cumulative),
    }));
  }

  private withClientName() {
    return this.runs.createQueryBuilder('r').innerJoin('clients', 'c', 'c.id = r.client_id').addSelect('c.name', 'client_name');
  }
}

@Injectable()
export class SnapshotRepository {
  private readonly repo: Repository<Snapshot>;

  constructor(@Inject(DataSource) dataSource: DataSource) {
    this.repo = dataSource.getRepository(Snapshot);
  }

  /** Snapshots retention has not expired, newest first. */
  listForClient(clientId: string): Promise<Snapshot[]> {
    return this.repo
      .createQueryBuilder('s')
      .where('s.clientId = :clientId AND s.expiredAt IS NULL', { clientId })
      .orderBy('s.seq', 'DESC')
      .getMany();
  }

  find(clientId: string, seq: number): Promise<Snapshot | null> {
    return this.repo.createQueryBuilder('s').where('s.clientId = :clientId AND s.seq = :seq AND s.expiredAt IS NULL', { clientId, seq }).getOne();
  }

  async setPinned(clientId: string, seq: number, pinned: boolean): Promise<Snapshot | null> {
    const result = await this.repo.update({ clientId, seq }, { pinned });
    return (result.affected ?? 0) > 0 ? this.find(clientId, seq) : null;
  }

  /** seq → completion time, for labelling versions; includes expired snapshots. */
  async times(clientId: string): Promise<Pick<Snapshot, 'seq' | 'completedAt' | 'expiredAt'>[]> {
    return this.repo.find({ select: { seq: true, completedAt: true, expiredAt: true }, where: { clientId }, order: { seq: 'ASC' } });
  }
}

export type EntrySort = 'name' | 'size' | 'mtime';

export interface DirectoryQuery {
  clientId: string;
  seq: number;
  /** Directory relative to the snapshot root, "" for the root. */
  parent: string;
  limit: number;
  offset: number;
  sort: EntrySort;
  order: 'asc' | 'desc';
}

export interface BrowseEntry {
  parent: string;
  name: string;
  type: EntryType;
  size: number;
  mtime: Date;
  mode: number;
  sha256: string | null;
  linkTarget: string | null;
  firstSeq: number;
  lastSeq: number | null;
}

export interface FindQuery {
  clientId: string;
  /** A name or a glob (`*`, `?`); see nameLikePattern. Matched case-insensitively. */
  query: string;
  limit: number;
  offset: number;
}

/** One path whose name matched, with every version it had, oldest first. */
export interface FindHit {
  parent: string;
  name: string;
  versions: BrowseEntry[];
}

const SORT_COLUMNS: Record<EntrySort, string> = { name: 'name', size: 'size', mtime: 'mtime' };

/** Rows present in snapshot $2: first_seq <= S AND (last_seq IS NULL OR last_seq > S). */
const PRESENT_IN = `client_id = $1 AND first_seq <= $2 AND (last_seq IS NULL OR last_seq > $2)`;
const ENTRY_COLUMNS = `parent, name, type, size, mtime, mode, sha256, link_target, first_seq, last_seq`;

/** Reads of the interval-encoded file_versions table (writes belong to the copy worker). */
@Injectable()
export class FileVersionRepository {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  /**
   * One page of a directory as it was in one snapshot, directories first, then by the chosen
   * column (name breaks ties). The (client_id, parent, name, first_seq) index serves the filter.
   */
  async listDirectory(query: DirectoryQuery): Promise<{ entries: BrowseEntry[]; total: number }> {
    const column = SORT_COLUMNS[query.sort];
    const direction = query.order === 'desc' ? 'DESC' : 'ASC';
    const tieBreak = column === 'name' ? '' : `, name ${direction}`;
    const params = [query.clientId, query.seq, query.parent];
    const [rows, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT ${ENTRY_COLUMNS} FROM file_versions
          WHERE ${PRESENT_IN} AND parent = $3
          ORDER BY (type = 'dir') DESC, ${column} ${direction}${tieBreak}
          LIMIT $4 OFFSET $5`,
        [...params, query.limit, query.offset],
      ) as Promise<Record<string, unknown>[]>,
      this.dataSource.query(`SELECT count(*)::int AS total FROM file_versions WHERE ${PRESENT_IN} AND parent = $3`, params) as Promise<{ total: number }[]>,
    ]);
    return { entries: rows.map(toEntry), total: counted[0]?.total ?? 0 };
  }

  /** The version of one path present in one snapshot, or null. */
  async findEntry(clientId: string, seq: number, parent: string, name: string): Promise<BrowseEntry | null> {
    const rows = (await this.dataSource.query(`SELECT ${ENTRY_COLUMNS} FROM file_versions WHERE ${PRESENT_IN} AND parent = $3 AND name = $4 LIMIT 1`, [
      clientId,
      seq,
      parent,
      name,
    ])) as Record<string, unknown>[];
    return rows[0] ? toEntry(rows[0]) : null;
  }

  /** Every version of one path across all snapshots, oldest first. */
  async history(clientId: string, parent: string, name: string): Promise<BrowseEntry[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM file_versions WHERE client_id = $1 AND parent = $2 AND name = $3 ORDER BY first_seq ASC, id ASC`,
      [clientId, parent, name],
    )) as Record<string, unknown>[];
    return rows.map(toEntry);
  }

  /**
   * Paths of one client whose name matches, across all its snapshots, ordered by path, with their
   * versions. The trigram index on (client_id, name) serves the match.
   */
  async find(query: FindQuery): Promise<{ hits: FindHit[]; total: number }> {
    const params = [query.clientId, nameLikePattern(query.query)];
    const matching = `FROM file_versions WHERE client_id = $1 AND name ILIKE $2 ESCAPE '\\'`;
    const [paths, counted] = await Promise.all([
      this.dataSource.query(`SELECT parent, name ${matching} GROUP BY parent, name ORDER BY parent, name LIMIT $3 OFFSET $4`, [
        ...params,
        query.limit,
        query.offset,
      ]) as Promise<{ parent: string; name: string }[]>,
      this.dataSource.query(`SELECT count(*)::int AS total FROM (SELECT 1 ${matching} GROUP BY parent, name) matched`, params) as Promise<{ total: number }[]>,
    ]);
    if (paths.length === 0) return { hits: [], total: counted[0]?.total ?? 0 };
    const rows = (await this.dataSource.query(
      `SELECT ${ENTRY_COLUMNS} FROM file_versions
        WHERE client_id = $1 AND (parent, name) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        ORDER BY first_seq ASC, id ASC`,
      [query.clientId, paths.map((p) => p.parent), paths.map((p) => p.name)],
    )) as Record<string, unknown>[];
    const byPath = new Map(paths.map((p): [string, FindHit] => [`${p.parent}\0${p.name}`, { parent: p.parent, name: p.name, versions: [] }]));
    for (const row of rows) byPath.get(`${String(row.parent)}\0${String(row.name)}`)?.versions.push(toEntry(row));
    return { hits: [...byPath.values()], total: counted[0]?.total ?? 0 };
  }
}

function toEntry(row: Record<string, unknown>): BrowseEntry {
  return {
    parent: String(row.parent),
    name: String(row.name),
    type: row.type as EntryType,
    size: Number(row.size),
    mtime: new Date(row.mtime as string | Date),
    mode: Number(row.mode),
    sha256: (row.sha256 as string | null) ?? null,
    linkTarget: (row.link_target as string | null) ?? null,
    firstSeq: Number(row.first_seq),
    lastSeq: row.last_seq === null || row.last_seq === undefined ? null : Number(row.last_seq),
  };
}
